"""Reading a routine: the YAML, its fields, the catalog and the Routine it becomes."""
