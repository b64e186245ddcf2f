"""All SQL of the payment module, split by table group. Functions take an open AsyncSession."""
