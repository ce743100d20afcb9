"""The HubSpot connector: the only package that imports hubspot-api-client."""
