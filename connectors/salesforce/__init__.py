"""The Salesforce connector: the only package that imports simple-salesforce."""
