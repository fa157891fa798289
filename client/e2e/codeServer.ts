// Starts code-server in its own process group and ends every process it started.
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

export interface CodeServer {
    url: string;
    /** Ends code-server and everything it started; returns processes that had to be killed one by one. */
    stop(): Promise<number[]>;
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const probe = createServer();
        probe.once("error", reject);
        probe.listen(0, "127.0.0.1", () => {
            const address = probe.address();
            probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
        });
    });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function groupAlive(pgid: number): boolean {
    try {
        process.kill(-pgid, 0);
        return true;
    } catch {
        return false;
    }
}

function parentOf(pid: number): number | undefined {
    try {
        // /proc/<pid>/stat: "pid (command) state ppid ..."; the command may contain spaces.
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
        return undefined;
    }
}

/** This process and the ones that started it (make, npm, a shell): never ours to end. */
function ancestors(): Set<number> {
    const chain = new Set<number>();
    for (let pid: number | undefined = process.pid; pid && pid > 1 && !chain.has(pid); pid = parentOf(pid)) chain.add(pid);
    return chain;
}

/** Processes whose command line mentions `marker` (our private work folder): ours, even if they left the group. */
function processesMentioning(marker: string): number[] {
    if (!existsSync("/proc")) return [];
    const found: number[] = [];
    const excluded = ancestors();
    for (const entry of readdirSync("/proc")) {
        const pid = Number(entry);
        if (!Number.isInteger(pid) || excluded.has(pid)) continue;
        try {
            if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) found.push(pid);
        } catch {
            // the process ended while we looked
        }
    }
    return found;
}

async function endGroup(pgid: number): Promise<void> {
    for (const [signal, waitMs] of [["SIGTERM", 10_000], ["SIGKILL", 5_000]] as const) {
        if (!groupAlive(pgid)) return;
        try {
            process.kill(-pgid, signal);
        } catch {
            return;
        }
        for (let waited = 0; waited < waitMs && groupAlive(pgid); waited += 100) await sleep(100);
    }
}

export async function startCodeServer(binary: string, args: string[], env: NodeJS.ProcessEnv, logFd: number, port: number, marker: string): Promise<CodeServer> {
    const child: ChildProcess = spawn(binary, args, { env, detached: true, stdio: ["ignore", logFd, logFd] });
    const pgid = child.pid;
    if (pgid === undefined) throw new Error(`could not start ${binary}`);

    let stopped = false;
    const stop = async (): Promise<number[]> => {
        if (stopped) return [];
        stopped = true;
        await endGroup(pgid);
        const strays = processesMentioning(marker);
        for (const pid of strays) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
        return strays;
    };
    // If the test itself is interrupted (Ctrl+C, a CI timeout), code-server goes with it.
    const onSignal = (signal: NodeJS.Signals) => {
        try {
            process.kill(-pgid, "SIGKILL");
        } catch {
            // already gone
        }
        process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);

    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) {
            await stop();
            throw new Error(`code-server exited with ${child.exitCode} before it was ready; see its log`);
        }
        try {
            const response = await fetch(`${url}/healthz`);
            if (response.ok) return { url, stop };
        } catch {
            // not listening yet
        }
        await sleep(500);
    }
    await stop();
    throw new Error("code-server did not answer on /healthz within 120 s");
}
