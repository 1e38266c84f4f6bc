"""First-party Galleria plugins: one subpackage per plugin, each registered as an entry point."""
