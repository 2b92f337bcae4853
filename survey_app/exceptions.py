class DomainError(Exception):
    """A rule of the domain was broken; the message is Swedish and safe to show to the user.

    `field` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
