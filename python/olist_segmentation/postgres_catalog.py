"""Catalogue helpers of the PostgreSQL publication: views, comments, grants."""

from __future__ import annotations

from typing import Any


def quote(identifier: str) -> str:
    """Return ``identifier`` as a quoted SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def view_dependencies(cursor: Any, oid: int) -> list[tuple[str, str]]:
    """Return the relations a view reads, as ``(schema, name)``."""
    cursor.execute(
        "select distinct n.nspname, c.relname from pg_rewrite as r "
        "join pg_depend as d on d.classid = 'pg_rewrite'::regclass "
        "and d.objid = r.oid and d.refclassid = 'pg_class'::regclass "
        "join pg_class as c on c.oid = d.refobjid "
        "join pg_namespace as n on n.oid = c.relnamespace "
        "where r.ev_class = %s and c.oid <> r.ev_class",
        (oid,),
    )
    return [(row[0], row[1]) for row in cursor.fetchall()]


def copy_comment(cursor: Any, oid: int, target: str, kind: str) -> None:
    """Copy the relation's comment (and a view's column comments) to ``target``."""
    cursor.execute("select obj_description(%s::oid, 'pg_class')", (oid,))
    comment = cursor.fetchone()[0]
    if comment is not None:
        cursor.execute(f"comment on {kind} {target} is %s", (comment,))
    if kind != "view":
        return  # a table copied with LIKE ... INCLUDING ALL has its column comments
    cursor.execute(
        "select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute "
        "as a where a.attrelid = %s and a.attnum > 0 and not a.attisdropped "
        "and col_description(a.attrelid, a.attnum) is not null",
        (oid,),
    )
    for column, text in cursor.fetchall():
        cursor.execute(f"comment on column {target}.{quote(column)} is %s", (text,))


def copy_schema_grants(cursor: Any, source: str, target: str) -> None:
    """Grant on ``target`` what was granted on schema ``source`` (USAGE, CREATE)."""
    cursor.execute(
        "select g.privilege_type, coalesce(r.rolname, 'public') "
        "from pg_namespace as n, aclexplode(n.nspacl) as g "
        "left join pg_roles as r on r.oid = g.grantee "
        "where n.nspname = %s and g.grantee <> n.nspowner",
        (source,),
    )
    for privilege, grantee in cursor.fetchall():
        role = "public" if grantee == "public" else quote(grantee)
        cursor.execute(f"grant {privilege} on schema {quote(target)} to {role}")
