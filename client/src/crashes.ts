// When the server process dies, restart it, unless it keeps dying: then stop and say so.

export class CrashWindow {
    private readonly crashTimes: number[] = [];

    constructor(
        readonly maxRestarts: number = 4,
        readonly windowMs: number = 3 * 60_000,
        private readonly now: () => number = Date.now,
    ) {}

    /** Records a crash; true when the server may be restarted once more. */
    recordCrash(): boolean {
        const time = this.now();
        this.crashTimes.push(time);
        while (this.crashTimes.length > 0 && this.crashTimes[0] <= time - this.windowMs) this.crashTimes.shift();
        return this.crashTimes.length <= this.maxRestarts;
    }

    get recentCrashes(): number {
        return this.crashTimes.length;
    }
}
