"""Remittance: the codes a payer is expected to send for each finding (sourced data in policies/remittance.yaml),
and 835 remittances explained by the rules behind the codes the payer sent."""

from kb.remit.codes import Prediction, RemitCodes, RemittanceTable

__all__ = ["Prediction", "RemitCodes", "RemittanceTable"]
