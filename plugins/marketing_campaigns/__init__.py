"""Flash sales (秒杀) and gifts with purchase (赠品): a first-party Galleria plugin that uses
only the kernel's public plugin API (price adjusters, product promoters, API routes, console
pages, the cancelled-order event and the shop scope's rollback callbacks)."""
