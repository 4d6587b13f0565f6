"""One base error, a small tree under it; every message is a sentence a journalist can act on."""


class LeakdeskError(Exception):
    """Base of every error leakdesk reports to a user (the CLI prints it without a traceback)."""

    exit_code = 1


class UsageError(LeakdeskError):
    """The command was called wrongly (missing case, bad option value)."""

    exit_code = 2


class NoSuchRecord(UsageError):
    """A dispatch, series, translation or other record named by the user is not in the case.

    Exit code 1, like any command that could not do its work: the command was typed right, the case lacks the record.
    """

    exit_code = 1


class CaseError(LeakdeskError):
    """The case folder is missing, not a case, or cannot be opened."""


class StoreError(LeakdeskError):
    """The store refused an operation (e.g. an original that does not match its hash)."""


class IntegrityError(StoreError):
    """An original or the audit log no longer matches what was recorded."""


class IntakeError(LeakdeskError):
    """An input could not be read completely; the bytes read are kept, the reason recorded."""


class TranslationError(LeakdeskError):
    """A translation could not be drafted, imported or reviewed."""


class NoModelError(TranslationError):
    """No machine-translation model is installed for a language pair."""


class AuthorshipError(LeakdeskError):
    """An authorship analysis cannot be run as asked."""


class ClaimsError(LeakdeskError):
    """Entities, dates or claims could not be extracted or updated."""


class NarrativesError(LeakdeskError):
    """A media stream could not be read, or a narrative analysis cannot be run as asked."""


class DeskError(LeakdeskError):
    """The web desk refused a request: unknown user, wrong password, missing right, bad form."""


class DeskNotFound(DeskError):
    """The desk was asked for a letter, series or page that the case does not have."""
