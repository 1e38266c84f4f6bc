"""Sign-in identities from other providers (OpenID Connect, WeChat), the shops' sign-in
provider settings, and the OAuth2 apps that shops connect. Tables only: the protocols live
in `galleria.auth` (the kernel speaks no HTTP)."""
