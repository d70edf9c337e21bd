"""Governance dashboards (数据分析): headline figures, trends, shares and rankings from the rollups, per scope."""
