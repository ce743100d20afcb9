"""Describe payloads carry every key real Salesforce sends (keys from a recorded v59 Lead describe)."""

from __future__ import annotations

from simple_salesforce import Salesforce

FIELD_KEYS = {
    "aggregatable", "aiPredictionField", "autoNumber", "byteLength", "calculated", "calculatedFormula", "cascadeDelete",
    "caseSensitive", "compoundFieldName", "controllerName", "createable", "custom", "defaultValue",
    "defaultValueFormula", "defaultedOnCreate", "dependentPicklist", "deprecatedAndHidden", "digits",
    "displayLocationInDecimal", "encrypted", "externalId", "extraTypeInfo", "filterable", "filteredLookupInfo",
    "formulaTreatNullNumberAsZero", "groupable", "highScaleNumber", "htmlFormatted", "idLookup", "inlineHelpText",
    "label", "length", "mask", "maskType", "name", "nameField", "namePointing", "nillable", "permissionable",
    "picklistValues", "polymorphicForeignKey", "precision", "queryByDistance", "referenceTargetField", "referenceTo",
    "relationshipName", "relationshipOrder", "restrictedDelete", "restrictedPicklist", "scale", "searchPrefilterable",
    "soapType", "sortable", "type", "unique", "updateable", "writeRequiresMasterRead",
}
GLOBAL_KEYS = {
    "activateable", "associateEntityType", "associateParentEntity", "createable", "custom", "customSetting",
    "deepCloneable", "deletable", "deprecatedAndHidden", "feedEnabled", "hasSubtypes", "isInterface", "isSubtype",
    "keyPrefix", "label", "labelPlural", "layoutable", "mergeable", "mruEnabled", "name", "queryable", "replicateable",
    "retrieveable", "searchable", "triggerable", "undeletable", "updateable", "urls",
}
SOBJECT_KEYS = GLOBAL_KEYS | {
    "actionOverrides", "childRelationships", "compactLayoutable", "defaultImplementation", "extendedBy",
    "extendsInterfaces", "fields", "implementedBy", "implementsInterfaces", "listviewable", "lookupLayoutable",
    "namedLayoutInfos", "networkScopeFieldName", "recordTypeInfos", "searchLayoutable", "sobjectDescribeOption",
    "supportedScopes",
}


def _fields(sf: Salesforce) -> dict[str, dict[str, object]]:
    return {f["name"]: f for f in sf.Lead.describe()["fields"]}


def test_every_field_entry_has_the_full_key_set(sf: Salesforce) -> None:
    for sobject in ("Lead", "LeadHistory", "Task", "User", "Account", "Contact"):
        for field in getattr(sf, sobject).describe()["fields"]:
            assert set(field) == FIELD_KEYS, (sobject, field["name"], FIELD_KEYS ^ set(field))


def test_field_values_follow_the_recorded_lead_describe(sf: Salesforce) -> None:
    fields = _fields(sf)
    assert (fields["Id"]["soapType"], fields["Id"]["idLookup"], fields["Id"]["byteLength"]) == ("tns:ID", True, 18)
    assert (fields["LastName"]["length"], fields["LastName"]["byteLength"]) == (80, 240)
    assert fields["FirstName"]["compoundFieldName"] == fields["LastName"]["compoundFieldName"] == "Name"
    assert fields["City"]["compoundFieldName"] == "Address" and fields["Email"]["compoundFieldName"] is None
    owner = fields["OwnerId"]
    assert (owner["referenceTo"], owner["relationshipName"], owner["polymorphicForeignKey"]) == (
        ["Group", "User"], "Owner", True)
    assert fields["ConvertedAccountId"]["referenceTo"] == ["Account"]
    assert (fields["CreatedDate"]["soapType"], fields["CreatedDate"]["groupable"]) == ("xsd:dateTime", False)
    assert (fields["IsConverted"]["soapType"], fields["IsConverted"]["defaultValue"]) == ("xsd:boolean", False)
    revenue = fields["AnnualRevenue"]
    assert (revenue["type"], revenue["precision"], revenue["scale"], revenue["length"]) == ("currency", 18, 0, 0)
    assert fields["Name"]["nameField"] is True and fields["Status"]["nameField"] is False
    assert fields["Stage_Reason__c"]["custom"] is True and fields["Status"]["custom"] is False
    assert fields["ConvertedDate"]["label"] == "Converted Date"


def test_sobject_describe_has_the_object_level_keys(sf: Salesforce) -> None:
    lead = sf.Lead.describe()
    assert set(lead) == SOBJECT_KEYS
    assert (lead["queryable"], lead["retrieveable"], lead["replicateable"], lead["labelPlural"]) == (
        True, True, True, "Leads")
    assert lead["urls"]["sobject"] == "/services/data/v59.0/sobjects/Lead"
    assert lead["urls"]["rowTemplate"] == "/services/data/v59.0/sobjects/Lead/{ID}"
    assert lead["recordTypeInfos"][0]["master"] is True
    children = {(c["childSObject"], c["field"]): c for c in lead["childRelationships"]}
    assert children[("LeadHistory", "LeadId")]["relationshipName"] == "Histories"
    assert children[("Task", "WhoId")]["relationshipName"] == "Tasks"
    assert set(children[("Task", "WhoId")]) == {"cascadeDelete", "childSObject", "deprecatedAndHidden", "field",
                                               "junctionIdListNames", "junctionReferenceTo", "relationshipName",
                                               "restrictedDelete"}


def test_describe_global_and_sobject_metadata_entries(sf: Salesforce) -> None:
    described = sf.describe()
    assert (described["encoding"], described["maxBatchSize"]) == ("UTF-8", 200)
    entries = {s["name"]: s for s in described["sobjects"]}
    assert {"Lead", "Account", "Contact", "LeadHistory", "Task"} <= set(entries)
    for entry in entries.values():
        assert set(entry) == GLOBAL_KEYS
    history = entries["LeadHistory"]
    assert (history["associateEntityType"], history["associateParentEntity"], history["createable"]) == (
        "History", "Lead", False)
    assert set(sf.Lead.metadata()["objectDescribe"]) == GLOBAL_KEYS
