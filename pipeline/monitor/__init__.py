"""Monitoring: the escalation plan, its response targets, the alerts the analytics raise, and their delivery.
Reads the facts and crises the metrics wrote; writes ``alerts``, ``alert_deliveries`` and ``crisis_log``."""
