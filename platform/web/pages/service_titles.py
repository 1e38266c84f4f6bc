"""Titles of ticket states and kinds, shared by the storefront and console pages."""

from __future__ import annotations

from galleria.web.i18n import N_

TICKET_STATUS = {"open": N_("Waiting for the shop"), "waiting": N_("The shop answered"),
                 "resolved": N_("Resolved")}
TICKET_KINDS = {"question": N_("Question"), "complaint": N_("Complaint"),
                "return": N_("After-sales"), "repair": N_("Repair"),
                "installation": N_("Installation")}

__all__ = ["TICKET_KINDS", "TICKET_STATUS"]
