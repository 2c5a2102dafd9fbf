"""How a resident wants to be contacted: the rule lives in the dialog core (``dialogs.contact_preference``),
which hears it in any message; the case store and the staff pages read it from here."""

from dialogs.contact_preference import PREFERENCES, ContactPreference, Heard, detect, latest

__all__ = ["PREFERENCES", "ContactPreference", "Heard", "detect", "latest"]
