"""One emulated HubSpot portal: contacts, properties, pipelines, owners and the switches they obey (the other
standard objects are empty and fixed: standard_objects.py)."""

from __future__ import annotations

from .owners import OwnerBook
from .pipelines import PipelineBook
from .properties import PropertyRegistry
from .search import Searcher
from .store import ContactStore
from .switches import Switches
from .timestamps import Clock
from .writes import ContactWriter


class Portal:
    """The state behind every route; the store's lock serialises handlers and the Python API."""

    def __init__(self, switches: Switches, clock: Clock) -> None:
        self.switches = switches
        self.clock = clock
        self.created_ms = clock()
        self.store = ContactStore()
        self.registry = PropertyRegistry(self.created_ms, switches.salesforce_properties)
        self.writer = ContactWriter(self.store, self.registry, switches, clock)
        self.searcher = Searcher(self.store, self.registry, switches)
        self.pipelines = PipelineBook(self.registry)
        self.owners = OwnerBook()
