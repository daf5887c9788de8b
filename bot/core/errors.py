"""Domain errors. The cogs turn these into friendly ephemeral replies in one place."""


class StudyBotError(Exception):
    """An error whose message is safe and useful to show to the member who caused it."""


class UnknownTerm(StudyBotError):
    pass


class UnknownTopic(StudyBotError):
    pass


class BadInput(StudyBotError):
    pass
