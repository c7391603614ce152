"""Where the workspace keeps things and how much it accepts (docs/workspace.md, "Settings")."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from westaudit.intake.archive import MB, ArchiveLimits

DATA_ENV = "WESTAUDIT_WORKSPACE"
DEFAULT_PORT = 8765
# one upload: a county's workbook is about 1 MB, a province's zipped package tens of MB
DEFAULT_MAX_UPLOAD_MB = 64
DEFAULT_MAX_UNPACKED_MB = 256


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_ENV) or Path.home() / ".westaudit" / "workspace").expanduser()


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    # the audit store: a SQLite file (default: audits.sqlite in the data folder) or a database URL
    store: str | None = None
    # a package whose offices table lists the offices that may upload (the pick list); None: any office
    hierarchy: Path | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * MB
    limits: ArchiveLimits = field(default_factory=lambda: ArchiveLimits(max_unpacked_bytes=DEFAULT_MAX_UNPACKED_MB * MB))
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    rules: Path | None = None
    # the shared workspace (`serve --shared`): accounts, sessions, roles; False is the single-user mode
    shared: bool = False
    # session cookies sent over HTTPS only: on behind a TLS reverse proxy (serve --shared sets it)
    secure_cookies: bool = False
    # how long a login lasts (and a form's CSRF token with it): serve --session-hours
    session_hours: float = 12
    # the test suite's cheap Argon2 parameters (engine/workspace/accounts.py); never set by the serve command
    cheap_password_hashing: bool = False
    # the data contract's runner: pandas answers an upload in a fraction of Great Expectations' time, with the
    # same rejected rows (docs/validation.md, "Two runners"); "great-expectations" runs the validator of record
    validator: str = "pandas"
    # keep the uploaded files (checks/<id>/package/, ID numbers among them) of an office's last N checks only;
    # an older check keeps its page, report and downloads, and a submitted one keeps everything. None: keep all
    keep_checks: int | None = None
    # policy overlays applied to every check (`serve --policy FILE`); none given: DIR/policies/*.yaml, else the
    # commands' default ($WESTAUDIT_POLICIES, ~/.westaudit/policies), as `check` would judge the same package
    policies: tuple[Path, ...] = ()

    @property
    def store_location(self) -> str:
        return self.store or str(self.data_dir / "audits.sqlite")

    @property
    def checks_dir(self) -> Path:
        return self.data_dir / "checks"

    @property
    def incoming_dir(self) -> Path:
        """Uploads being received and unpacked; a finished one moves to checks/<id>/, a refused one is removed."""
        return self.data_dir / "incoming"

    @property
    def policy_files(self) -> list[Path]:
        from westaudit.spec.policies import policy_files

        folder = self.data_dir / "policies"
        if not self.policies and folder.is_dir():
            return sorted(folder.glob("*.yaml"))
        return policy_files(list(self.policies) or None)

    @property
    def waivers(self) -> Path | None:
        found = self.data_dir / "waivers.yaml"
        return found if found.is_file() else None
