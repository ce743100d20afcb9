"""Fakes of the ports for fast tests of the orchestration: an in-memory Salesforce org or HubSpot portal
(`system.FakeSystem`) and an in-memory state store (`state.FakeRunState`).

Each behaves as the real implementation does; tests/contract runs one suite per port over both, and a fake that
drifts from the real thing fails there. Production code never imports them (an import-linter contract).
"""
