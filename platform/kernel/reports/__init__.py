"""Reports and analytics for merchants: daily rollups of each shop's figures, the overview
(period against previous period) and the reports built on them. See docs/reports.md."""
