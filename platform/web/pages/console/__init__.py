"""The merchant console's pages: the shell and sign-in guard, and one module per area."""
