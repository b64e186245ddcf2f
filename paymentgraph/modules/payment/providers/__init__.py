"""Payment providers: the interface, the built-in system provider, Stripe, and the registry."""
