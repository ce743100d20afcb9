"""Schema routes: properties (§4; contacts editable, the other standard objects' read-only), pipelines and stages
(§5), owners."""

from __future__ import annotations

from .portal import Portal
from .properties import render_property
from .scopes import missing_scopes, write_scopes
from .standard_objects import StandardObject, standard_object
from .wire import Call, Reply, not_found, validation_error

CONTACT_TYPES = ("contacts", "contact", "0-1")


def other_object(object_type: str) -> StandardObject | None:
    """None for contacts; the standard object a path names otherwise; 400 for a type the portal does not know."""
    if object_type.lower() in CONTACT_TYPES:
        return None
    found = standard_object(object_type)
    if found is None:
        raise validation_error(f"Unable to infer object type from: {object_type}")
    return found


def _contacts_only(call: Call) -> None:
    """Property writes: contacts only; another standard object's need write scopes the sandbox's app lacks (403)."""
    object_type = call.path["object_type"]
    if object_type in CONTACT_TYPES:
        return
    scopes = write_scopes(object_type)
    if scopes is not None:
        raise missing_scopes(*scopes)
    raise validation_error(f"Unable to infer object type from: {object_type}")


def list_properties(portal: Portal, call: Call) -> Reply:
    other = other_object(call.path["object_type"])
    if call.flag("archived"):
        return Reply(200, {"results": []})
    if other is not None:
        return Reply(200, {"results": [render_property(d, portal.created_ms) for d in other.properties]})
    return Reply(200, {"results": [portal.registry.render(d) for d in portal.registry.all()]})


def get_property(portal: Portal, call: Call) -> Reply:
    other, name = other_object(call.path["object_type"]), call.path["name"]
    if other is None:
        return Reply(200, portal.registry.render(portal.registry.require(name)))
    definition = other.property(name)
    if definition is None:
        raise not_found(name, f"Unable to find property {name}")
    return Reply(200, render_property(definition, portal.created_ms))


def update_property(portal: Portal, call: Call) -> Reply:
    _contacts_only(call)
    if not isinstance(call.body, dict):
        raise validation_error("The property update must be a JSON object")
    patchable = portal.switches.lifecycle_options_patchable
    definition = portal.registry.patch(
        call.path["name"], call.body, portal.clock(), lifecycle_patchable=patchable
    )
    return Reply(200, portal.registry.render(definition))


def create_property(portal: Portal, call: Call) -> Reply:
    _contacts_only(call)
    if not isinstance(call.body, dict):
        raise validation_error("The property must be a JSON object")
    return Reply(201, portal.registry.render(portal.registry.create(call.body, portal.clock())))


def list_pipelines(portal: Portal, call: Call) -> Reply:
    return Reply(200, {"results": [p.render() for p in portal.pipelines.pipelines(call.path["object_type"])]})


def get_pipeline(portal: Portal, call: Call) -> Reply:
    return Reply(200, portal.pipelines.pipeline(call.path["object_type"], call.path["pipeline_id"]).render())


def list_stages(portal: Portal, call: Call) -> Reply:
    pipeline = portal.pipelines.pipeline(call.path["object_type"], call.path["pipeline_id"])
    return Reply(200, {"results": [s.render() for s in pipeline.stages if not s.archived]})


def get_stage(portal: Portal, call: Call) -> Reply:
    path = call.path
    return Reply(
        200, portal.pipelines.stage(path["object_type"], path["pipeline_id"], path["stage_id"]).render()
    )


def create_stage(portal: Portal, call: Call) -> Reply:
    path = call.path
    stage = portal.pipelines.create_stage(path["object_type"], path["pipeline_id"], call.body, portal.clock())
    return Reply(201, stage.render())


def update_stage(portal: Portal, call: Call) -> Reply:
    path = call.path
    stage = portal.pipelines.update_stage(
        path["object_type"], path["pipeline_id"], path["stage_id"], call.body, portal.clock()
    )
    return Reply(200, stage.render())


def archive_stage(portal: Portal, call: Call) -> Reply:
    path = call.path
    portal.pipelines.update_stage(
        path["object_type"], path["pipeline_id"], path["stage_id"], {"archived": True}, portal.clock()
    )
    return Reply(204)


def list_owners(portal: Portal, call: Call) -> Reply:
    limit = max(1, min(call.integer("limit", 100), 500))
    body = portal.owners.page(call.first("after"), limit, call.first("email"), call.flag("archived"))
    return Reply(200, body)


def get_owner(portal: Portal, call: Call) -> Reply:
    return Reply(200, portal.owners.get(call.path["owner_id"], call.flag("archived")))
