"""What each audit log action means, as the console tells it (the activity feed on the
dashboard and the audit log page). Codes stay in the log and the API; people read these."""

from __future__ import annotations

from collections.abc import Callable

from galleria.web.i18n import N_

ACTIONS = {
    "shop.created": N_("opened the shop"),
    "shop.owner_transferred": N_("handed the shop to a new owner"),
    "plugin.enabled": N_("enabled a plugin"),
    "plugin.disabled": N_("disabled a plugin"),
    "plugin.settings_changed": N_("changed plugin settings"),
    "catalog.imported": N_("imported the catalog"),
    "shop.service_contact": N_("changed the service phone and hours"),
    "shop.delivery_dates": N_("changed the delivery date rules"),
    "category.created": N_("added a category"),
    "category.updated": N_("changed a category"),
    "category.deleted": N_("deleted a category"),
    "product.updated": N_("changed a product"),
    "product.deleted": N_("deleted a product"),
    "product.store_codes": N_("gave in-store barcodes"),
    "product.image_added": N_("added a product picture"),
    "product.image_deleted": N_("deleted a product picture"),
    "stock.safety_stock_set": N_("set a safety stock"),
    "order.mark_paid": N_("marked an order paid"),
    "order.refund": N_("refunded an order"),
    "order.address_edited": N_("changed an order's address"),
    "order.payment_switched": N_("switched an order's payment method"),
    "staff.invited": N_("invited a staff member"),
    "staff.invitation_revoked": N_("withdrew an invitation"),
    "staff.joined": N_("joined the shop"),
    "staff.changed": N_("changed a staff member's access"),
    "staff.removed": N_("removed a staff member"),
    "token.created": N_("created an API token"),
    "token.revoked": N_("revoked an API token"),
    "domain.added": N_("added a domain"),
    "domain.verified": N_("verified a domain"),
    "webhook.created": N_("added a webhook"),
    "webhook.updated": N_("changed a webhook"),
    "webhook.deleted": N_("deleted a webhook"),
    "webhook.redelivered": N_("sent a webhook again"),
    "job.retried": N_("retried a failed job"),
}


def action_text(action: str, translate: Callable[[str], str]) -> str:
    """An action code as a phrase; a code no one has described yet (a plugin's) as it is."""
    return translate(ACTIONS[action]) if action in ACTIONS else action
