"""Keys led by the shop: the schema-wide step that gives every shop-owned table of the
kernel the primary key `(tenant, id)`, foreign keys `(tenant, col) → (tenant, id)` and
unique keys that include `tenant` (docs/scaling.md, "PostgreSQL beyond one machine").

It is a piccolo app of its own, migrated after every other kernel app (see
`piccolo_app.migration_dependencies`): a table's primary key can change only once every
table pointing at it exists."""
