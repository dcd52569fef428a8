"""The one error of the backup commands: what is wrong, said so an operator can act on it."""


class BackupError(RuntimeError):
    """Raised before anything is changed: the output archive is not left behind, the
    restore target is untouched."""
