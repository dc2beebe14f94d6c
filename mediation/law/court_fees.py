"""The court's case-acceptance fee (案件受理费) a 民事调解书 states: 《诉讼费用交纳办法》
第十三条 sets it by the amount claimed, 第十五条 halves it when the case ends in mediation,
第三十一条 leaves its burden to the parties' agreement."""

from decimal import ROUND_HALF_UP, Decimal

# 第十三条第（一）项: (upper bound of the band, rate within it); the first 10,000 yuan is 50 yuan.
_BANDS: list[tuple[Decimal, Decimal]] = [
    (Decimal(100_000), Decimal("0.025")),
    (Decimal(200_000), Decimal("0.02")),
    (Decimal(500_000), Decimal("0.015")),
    (Decimal(1_000_000), Decimal("0.01")),
    (Decimal(2_000_000), Decimal("0.009")),
    (Decimal(5_000_000), Decimal("0.008")),
    (Decimal(10_000_000), Decimal("0.007")),
    (Decimal(20_000_000), Decimal("0.006")),
]
_TOP_RATE = Decimal("0.005")
_FLOOR = Decimal(10_000)
_FLOOR_FEE = Decimal(50)
# 第十三条第（二）项: a case without an amount (其他非财产案件) pays 50–100 yuan; the
# lower end, as a basic court charges a neighbours' dispute.
NON_PROPERTY_FEE = Decimal(50)
# 第十三条第（四）项: a labour dispute pays 10 yuan a case, whatever the amount claimed.
LABOUR_FEE = Decimal(10)


def acceptance_fee(amount: Decimal | None, *, labour: bool = False) -> Decimal:
    """案件受理费 for a claim of `amount` yuan (《诉讼费用交纳办法》第十三条)."""
    if labour:
        return LABOUR_FEE
    if amount is None or amount <= 0:
        return NON_PROPERTY_FEE
    if amount <= _FLOOR:
        return _FLOOR_FEE
    fee, lower = _FLOOR_FEE, _FLOOR
    for upper, rate in _BANDS:
        if amount <= upper:
            return (fee + (amount - lower) * rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
        fee += (upper - lower) * rate
        lower = upper
    return (fee + (amount - lower) * _TOP_RATE).quantize(Decimal("0.01"), ROUND_HALF_UP)


def mediated_fee(amount: Decimal | None, *, labour: bool = False) -> Decimal:
    """Half the fee when the case ends in mediation (《诉讼费用交纳办法》第十五条)."""
    return (acceptance_fee(amount, labour=labour) / 2).quantize(Decimal("0.01"), ROUND_HALF_UP)


def yuan(value: Decimal) -> str:
    """50 → "50", 37.5 → "37.50": how a 调解书 writes an amount of yuan."""
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"
