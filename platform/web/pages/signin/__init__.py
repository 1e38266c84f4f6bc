"""Sessions and the ways to sign in: staff sessions and tickets, OpenID Connect, the OAuth2
authorization server's consent pages, WeChat."""
