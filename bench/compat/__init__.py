"""`make compat`: the RevOps tools other teams run against Salesforce and HubSpot, installed from the registry and
pointed at a fresh `leadsync sandbox serve` with nothing but configuration (run.py prints the table)."""
