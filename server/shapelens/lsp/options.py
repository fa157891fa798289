"""The server's settings (the ``shapelens`` section of the client's configuration), typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from shapelens.analysis import KERAS_VERSION_SETTINGS, AnalysisOptions, analysis_options

SEVERITY_NAMES = ("error", "warning", "information", "hint", "off")
DEFAULT_DEBOUNCE_MS = 150
MAX_DEBOUNCE_MS = 10_000


@dataclass(frozen=True)
class ServerOptions:
    enable: bool = True
    inlay_hints: bool = True
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    # Diagnostic code -> "error" | "warning" | "information" | "hint" | "off".
    severity: Mapping[str, str] = field(default_factory=dict)
    # Folders searched for the project's own modules besides the workspace folders.
    extra_paths: tuple[str, ...] = ()
    # The Keras the user's code runs with: "auto" (read from the packages installed in the
    # environment this server runs in), "2" or "3".
    keras_version: str = "auto"

    def describe(self) -> str:
        """The settings as the client spells them, for the server's log."""
        return (
            f"enable={self.enable} inlayHints.enable={self.inlay_hints} debounceMs={self.debounce_ms} "
            f"severity={dict(sorted(self.severity.items()))} extraPaths={list(self.extra_paths)} "
            f"kerasVersion={self.keras_version}"
        )

    def analysis(self) -> AnalysisOptions:
        """What the engine assumes (``auto`` reads this interpreter's installed packages, once)."""
        return analysis_options(self.keras_version)

    def severity_for(self, code: str, engine_severity: str) -> Optional[str]:
        """The severity to show for a diagnostic, or None when the user turned the code off."""
        chosen = self.severity.get(code, engine_severity)
        return None if chosen == "off" else chosen


def _lookup(settings: Mapping[str, Any], dotted: str) -> Any:
    """``settings["inlayHints"]["enable"]`` or a flat ``settings["inlayHints.enable"]``."""
    if dotted in settings:
        return settings[dotted]
    node: Any = settings
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def options_from_settings(settings: Any, base: ServerOptions = ServerOptions()) -> ServerOptions:
    """Read the ``shapelens`` section; anything missing or malformed keeps its value in ``base``.

    Accepts the section itself (``{"enable": true, ...}``) or a whole settings object that
    contains it (``{"shapelens": {...}}``), since clients send either.
    """
    if not isinstance(settings, Mapping):
        return base
    if isinstance(settings.get("shapelens"), Mapping):
        settings = settings["shapelens"]

    enable = _lookup(settings, "enable")
    inlay_hints = _lookup(settings, "inlayHints.enable")
    debounce = _lookup(settings, "debounceMs")
    severity = _lookup(settings, "severity")
    extra_paths = _lookup(settings, "extraPaths")
    keras_version = _lookup(settings, "kerasVersion")
    if isinstance(keras_version, int) and not isinstance(keras_version, bool):
        keras_version = str(keras_version)

    return ServerOptions(
        enable=enable if isinstance(enable, bool) else base.enable,
        inlay_hints=inlay_hints if isinstance(inlay_hints, bool) else base.inlay_hints,
        debounce_ms=(
            min(max(int(debounce), 0), MAX_DEBOUNCE_MS)
            if isinstance(debounce, (int, float)) and not isinstance(debounce, bool)
            else base.debounce_ms
        ),
        severity=(
            {
                str(code): str(level)
                for code, level in severity.items()
                if str(level) in SEVERITY_NAMES
            }
            if isinstance(severity, Mapping)
            else base.severity
        ),
        extra_paths=(
            tuple(str(path) for path in extra_paths if isinstance(path, str) and path)
            if isinstance(extra_paths, (list, tuple))
            else base.extra_paths
        ),
        keras_version=keras_version if keras_version in KERAS_VERSION_SETTINGS else base.keras_version,
    )
