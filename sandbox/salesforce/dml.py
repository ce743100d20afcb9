"""Record writes with Salesforce's rules: field checks, converted leads, restricted Status, assignment, history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..runtime import Fault, FaultKind
from .conversion import link_converted
from .schema import FieldSpec, ObjectSpec
from .store import Org, Row, Table, coerce
from .switches import Switches
from .wire import format_datetime, now_utc

_IGNORED = frozenset({"attributes", "id"})
_HISTORY_TYPES = {"picklist": "DynamicEnum", "boolean": "Boolean", "reference": "EntityId", "date": "Date"}


class DmlError(Exception):
    """One record's failure, as Salesforce reports it (`statusCode` in collections, `errorCode` in REST)."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or []
        self.status = status


@dataclass
class WriteContext:
    """Per-call facts: whether assignment rules run, and an injected row-lock or partial-failure fault."""

    auto_assign: bool = True
    fault: Fault | None = None
    position: int = 0  # the record's index inside a batch, for faults without record ids
    extra: dict[str, object] = field(default_factory=dict)

    def injected_error(self, record_id: str | None) -> DmlError | None:
        fault = self.fault
        if fault is None or fault.kind not in (FaultKind.ROW_LOCK, FaultKind.PARTIAL_FAILURE):
            return None
        if fault.record_ids:
            hit = record_id is not None and (record_id in fault.record_ids or record_id[:15] in fault.record_ids)
        else:
            hit = fault.kind is FaultKind.ROW_LOCK or self.position % 2 == 1
        if not hit:
            return None
        if fault.kind is FaultKind.ROW_LOCK:
            message = f"unable to obtain exclusive access to this record or 1 records: {record_id or ''}"
            return DmlError("UNABLE_TO_LOCK_ROW", message)
        return DmlError("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Injected validation failure (sandbox partial failure)")


class Writer:
    """Applies creates, updates and deletes to an org under its switches."""

    def __init__(self, org: Org, switches: Switches) -> None:
        self.org = org
        self.switches = switches

    def writable_table(self, sobject: str) -> Table:
        table = self.org.table(sobject)
        if table is None:
            raise DmlError("NOT_FOUND", f"The requested resource does not exist: sObject type '{sobject}'", status=404)
        if not table.spec.writable:
            raise DmlError("INVALID_TYPE_FOR_OPERATION", f"entity type {table.spec.name} does not support this operation")
        return table

    def find(self, table: Table, record_id: str) -> Row:
        if not isinstance(record_id, str) or len(record_id) not in (15, 18):
            message = f"Provided external ID field does not exist or is not accessible: {record_id}"
            raise DmlError("NOT_FOUND", message, status=404)
        found = self.org.find(record_id)
        if found is None or found[0] is not table:
            raise DmlError("NOT_FOUND", "The requested resource does not exist", status=404)
        row = found[1]
        if table.get(row, "IsDeleted"):
            raise DmlError("ENTITY_IS_DELETED", "entity is deleted", status=404)
        return row

    def create(self, sobject: str, data: Mapping[str, object], ctx: WriteContext) -> str:
        table = self.writable_table(sobject)
        if any(key.lower() == "id" for key in data):
            raise DmlError("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"])
        values = self._checked(table.spec, data, creating=True)
        error = ctx.injected_error(None)
        if error:
            raise error
        with self.org.lock:
            values = self._defaults(table.spec, values)
            self._require(table.spec, values)
            self._check_status(table.spec, values)
            if table.spec.name == "Lead" and self._assigns(ctx):
                values["OwnerId"] = self.switches.assignment_owner_id or self.org.router_user_id
            record_id = self.org.ids.mint(table.spec.key_prefix)
            row = table.insert(record_id, values)
            self._derive(table, row)
        return record_id

    def update(self, sobject: str, record_id: str, data: Mapping[str, object], ctx: WriteContext) -> None:
        table = self.writable_table(sobject)
        row = self.find(table, record_id)
        error = ctx.injected_error(table.get(row, "Id"))  # type: ignore[arg-type]
        if error:
            raise error
        if table.spec.name == "Lead" and table.get(row, "IsConverted"):
            raise DmlError("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
        values = self._checked(table.spec, data, creating=False)
        self._require(table.spec, values, only_present=True)
        self._check_status(table.spec, values)
        with self.org.lock:
            if table.spec.name == "Lead" and self._assigns(ctx):
                values["OwnerId"] = self.switches.assignment_owner_id or self.org.router_user_id
            self.org.journal.append((record_id, dict(data)))
            self._apply(table, row, values)

    def delete(self, sobject: str, record_id: str, ctx: WriteContext) -> None:
        table = self.writable_table(sobject)
        row = self.find(table, record_id)
        error = ctx.injected_error(table.get(row, "Id"))  # type: ignore[arg-type]
        if error:
            raise error
        with self.org.lock:
            self._stamp(table, row)
            table.set(row, "IsDeleted", True)

    def _assigns(self, ctx: WriteContext) -> bool:
        return self.switches.assignment_rule and ctx.auto_assign

    def _checked(self, spec: ObjectSpec, data: Mapping[str, object], creating: bool) -> dict[str, object]:
        values: dict[str, object] = {}
        for key, value in data.items():
            if key.lower() in _IGNORED:
                continue
            field_spec = spec.field(key)
            if field_spec is None:
                raise DmlError("INVALID_FIELD", f"No such column '{key}' on sobject of type {spec.name}", [key])
            if not (field_spec.createable if creating else field_spec.updateable):
                raise _read_only(field_spec)
            values[field_spec.name] = _coerce_checked(field_spec, value)
        return values

    def _defaults(self, spec: ObjectSpec, values: dict[str, object]) -> dict[str, object]:
        stamp = format_datetime(now_utc())
        base: dict[str, object] = {"IsDeleted": False, "CreatedDate": stamp, "LastModifiedDate": stamp}
        base |= {"SystemModstamp": stamp, "CreatedById": self.org.api_user_id, "LastModifiedById": self.org.api_user_id}
        base["OwnerId"] = self.org.api_user_id
        if spec.name == "Lead":
            base |= {"Status": self.org.default_status(), "IsConverted": False, "IsUnreadByOwner": True}
        if spec.name == "Task":
            base |= {"Status": "Not Started", "Priority": "Normal"}
        return base | {k: v for k, v in values.items() if v is not None or k not in ("Status",)}

    def _require(self, spec: ObjectSpec, values: dict[str, object], only_present: bool = False) -> None:
        required = [f.name for f in spec.fields.values() if not f.nillable and (f.createable or f.updateable)]
        missing = [n for n in required if (n in values if only_present else True) and values.get(n) in (None, "")]
        if missing:
            raise DmlError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)

    def _check_status(self, spec: ObjectSpec, values: dict[str, object]) -> None:
        if spec.name != "Lead" or "Status" not in values or not self.switches.restricted_picklist:
            return
        status = values["Status"]
        if status not in {v.full_name for v in self.org.active_statuses()}:
            message = f"Status: bad value for restricted picklist field: {status}"
            raise DmlError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message, ["Status"])

    def _apply(self, table: Table, row: Row, values: dict[str, object]) -> None:
        before = {name: table.get(row, name) for name in values}
        for name, value in values.items():
            table.set(row, name, value)
        self._stamp(table, row)
        if table.spec.name == "Lead":
            self._track_history(table, row, before, values)
        self._derive(table, row)

    def _stamp(self, table: Table, row: Row) -> None:
        stamp = format_datetime(now_utc())
        table.set(row, "LastModifiedDate", stamp)
        table.set(row, "SystemModstamp", stamp)
        table.set(row, "LastModifiedById", self.org.api_user_id)

    def _track_history(self, table: Table, row: Row, before: dict[str, object], after: dict[str, object]) -> None:
        if not self.switches.status_history:
            return
        for name in self.switches.tracked_fields:
            if name in after and before.get(name) != after[name]:
                spec = table.spec.fields[name]
                record = {"LeadId": table.get(row, "Id"), "Field": name, "OldValue": before.get(name)}
                record |= {"NewValue": after[name], "DataType": _HISTORY_TYPES.get(spec.type, "Text")}
                add_history_row(self.org, record)

    def _derive(self, table: Table, row: Row) -> None:
        derive_fields(self.org, table, row)


def _read_only(spec: FieldSpec) -> DmlError:
    message = (
        f"Unable to create/update fields: {spec.name}. Please check the security settings of this field and verify"
        " that it is read/write for your profile or permission set."
    )
    return DmlError("INVALID_FIELD_FOR_INSERT_UPDATE", message, [spec.name])


def _coerce_checked(spec: FieldSpec, value: object) -> object:
    if value is None:
        return None
    if spec.type == "boolean" and not isinstance(value, bool):
        raise DmlError("JSON_PARSER_ERROR", f"Cannot deserialize instance of boolean from {value!r}", [spec.name])
    try:
        return coerce(spec, value)
    except (TypeError, ValueError) as exc:
        raise DmlError("JSON_PARSER_ERROR", f"Cannot deserialize {spec.type} from {value!r}", [spec.name]) from exc


def add_history_row(org: Org, values: Mapping[str, object]) -> str:
    """Append a LeadHistory row (created now by the API user unless given)."""
    base: dict[str, object] = {"IsDeleted": False, "CreatedDate": format_datetime(now_utc())}
    base["CreatedById"] = org.api_user_id
    history = org.tables["LeadHistory"]
    record_id = org.ids.mint("017")
    spec = history.spec
    history.insert(record_id, base | {k: coerce(spec.fields[k], v) if k in spec.fields else v for k, v in values.items()})
    return record_id


def derive_fields(org: Org, table: Table, row: Row) -> None:
    """System-maintained values: Name, Task.IsClosed, the parent Lead's LastActivityDate, a converted lead's links."""
    name = table.spec.name
    if name in ("Lead", "User", "Contact"):
        parts = [table.get(row, "FirstName"), table.get(row, "LastName")]
        table.set(row, "Name", " ".join(str(p) for p in parts if p))
    if name == "Task":
        table.set(row, "IsClosed", table.get(row, "Status") == "Completed")
    if name in ("Task", "Event"):
        _touch_activity(org, table, row)
    if name == "Lead" and table.get(row, "IsConverted"):
        link_converted(org, table, row)


def _touch_activity(org: Org, table: Table, row: Row) -> None:
    who = table.get(row, "WhoId")
    if not isinstance(who, str) or not who.startswith("00Q"):
        return
    found = org.find(who)
    if found is None:
        return
    leads, lead = found
    created = table.get(row, "CreatedDate")
    day = table.get(row, "ActivityDate") or (created[:10] if isinstance(created, str) else None)
    current = leads.get(lead, "LastActivityDate")
    if isinstance(day, str) and (current is None or day > str(current)):
        leads.set(lead, "LastActivityDate", day)
