"""Django admin for the ticket domain, split by topic. Supervisors reach it (is_staff + the "Supervisors"
group from migration 0003); agents do not. Ticket state changes made here go through tickets.actions."""

from tickets.admin import people, reference, tickets

__all__ = ["people", "reference", "tickets"]
