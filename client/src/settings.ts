// The `shapelens.*` settings: read, checked, and mapped to what the server expects.
// Pure: takes a reader with `get`, so tests pass a plain object instead of VS Code's.

export const SEVERITY_LEVELS = ["error", "warning", "information", "hint", "off"] as const;
export type SeverityLevel = (typeof SEVERITY_LEVELS)[number];

export const KERAS_VERSIONS = ["auto", "2", "3"] as const;
export type KerasVersion = (typeof KERAS_VERSIONS)[number];

export const DEFAULT_DEBOUNCE_MS = 150;
export const MAX_DEBOUNCE_MS = 10_000;

export interface ShapeLensSettings {
    enable: boolean;
    inlayHintsEnable: boolean;
    debounceMs: number;
    /** Diagnostic code → severity, only valid entries. */
    severity: Record<string, SeverityLevel>;
    /** The `shapelens.interpreter` setting as written; empty when unset. */
    interpreter: string;
    /** Which Keras the checked code runs with; `auto` reads the server interpreter's installed packages. */
    kerasVersion: KerasVersion;
}

/** What the server reads from `initializationOptions` (the `shapelens` section, nested). */
export interface ServerSettings {
    enable: boolean;
    inlayHints: { enable: boolean };
    debounceMs: number;
    severity: Record<string, SeverityLevel>;
    kerasVersion: KerasVersion;
}

/** The part of `vscode.WorkspaceConfiguration` this module uses. */
export interface SettingsReader {
    get(key: string): unknown;
}

export interface SettingsResult {
    settings: ShapeLensSettings;
    /** One line per value that was ignored, for the log. */
    problems: string[];
}

function isSeverityLevel(value: unknown): value is SeverityLevel {
    return typeof value === "string" && (SEVERITY_LEVELS as readonly string[]).includes(value);
}

/** Reads the `shapelens` section; a malformed value falls back to its default and is reported. */
export function readSettings(section: SettingsReader): SettingsResult {
    const problems: string[] = [];

    const readBoolean = (key: string, fallback: boolean): boolean => {
        const value = section.get(key);
        if (value === undefined || typeof value === "boolean") return value ?? fallback;
        problems.push(`shapelens.${key} must be true or false, not ${JSON.stringify(value)}; using ${fallback}`);
        return fallback;
    };

    let debounceMs = DEFAULT_DEBOUNCE_MS;
    const debounce = section.get("debounceMs");
    if (typeof debounce === "number" && Number.isFinite(debounce)) {
        debounceMs = Math.min(Math.max(Math.round(debounce), 0), MAX_DEBOUNCE_MS);
        if (debounceMs !== debounce) problems.push(`shapelens.debounceMs ${debounce} is outside 0..${MAX_DEBOUNCE_MS} or not whole; using ${debounceMs}`);
    } else if (debounce !== undefined) {
        problems.push(`shapelens.debounceMs must be a number, not ${JSON.stringify(debounce)}; using ${DEFAULT_DEBOUNCE_MS}`);
    }

    const severity: Record<string, SeverityLevel> = {};
    const severitySetting = section.get("severity");
    if (severitySetting !== undefined && (typeof severitySetting !== "object" || severitySetting === null || Array.isArray(severitySetting))) {
        problems.push(`shapelens.severity must be an object mapping diagnostic codes to a severity, not ${JSON.stringify(severitySetting)}`);
    } else if (severitySetting) {
        for (const [code, level] of Object.entries(severitySetting)) {
            if (isSeverityLevel(level)) severity[code] = level;
            else problems.push(`shapelens.severity["${code}"] must be one of ${SEVERITY_LEVELS.join(", ")}, not ${JSON.stringify(level)}; ignored`);
        }
    }

    const interpreterSetting = section.get("interpreter");
    let interpreter = "";
    if (typeof interpreterSetting === "string") interpreter = interpreterSetting.trim();
    else if (interpreterSetting !== undefined) problems.push(`shapelens.interpreter must be a path, not ${JSON.stringify(interpreterSetting)}; ignored`);

    // A number is what a user who writes `"shapelens.kerasVersion": 2` means.
    const kerasSetting = section.get("kerasVersion");
    const kerasText = typeof kerasSetting === "number" ? String(kerasSetting) : kerasSetting;
    let kerasVersion: KerasVersion = "auto";
    if ((KERAS_VERSIONS as readonly unknown[]).includes(kerasText)) kerasVersion = kerasText as KerasVersion;
    else if (kerasSetting !== undefined) problems.push(`shapelens.kerasVersion must be one of ${KERAS_VERSIONS.join(", ")}, not ${JSON.stringify(kerasSetting)}; using auto`);

    return {
        settings: {
            enable: readBoolean("enable", true),
            inlayHintsEnable: readBoolean("inlayHints.enable", true),
            debounceMs,
            severity,
            interpreter,
            kerasVersion,
        },
        problems,
    };
}

export function serverSettings(settings: ShapeLensSettings): ServerSettings {
    return {
        enable: settings.enable,
        inlayHints: { enable: settings.inlayHintsEnable },
        debounceMs: settings.debounceMs,
        severity: { ...settings.severity },
        kerasVersion: settings.kerasVersion,
    };
}

/** The part of `vscode.ConfigurationChangeEvent` this module uses. */
export interface ConfigurationChange {
    affectsConfiguration(section: string): boolean;
}

// The language client follows `shapelens.trace.server` by itself; every other setting is read
// when the server starts, so a change restarts it.
const RESTART_SETTINGS = ["shapelens.enable", "shapelens.inlayHints", "shapelens.debounceMs", "shapelens.severity", "shapelens.interpreter", "shapelens.kerasVersion"];

export function needsRestart(change: ConfigurationChange): boolean {
    return RESTART_SETTINGS.some((section) => change.affectsConfiguration(section));
}
