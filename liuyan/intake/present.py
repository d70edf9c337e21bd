"""The intake reading as staff see it in the message workspace: what the pipeline found and why it decided."""

from typing import Any

from liuyan.geo.models import Region
from liuyan.intake.models import Decision, IntakeResult
from liuyan.messages.models import MessageType
from liuyan.messages.privacy import mask_personal_data
from liuyan.taxonomy.models import Category

ENTITY_LABELS: dict[str, tuple[str, str]] = {
    "phone": ("电话", "Phone"),
    "id_card": ("身份证号", "ID card"),
    "email": ("电子邮箱", "E-mail"),
    "bank_card": ("银行卡号", "Bank card"),
    "plate": ("车牌", "Licence plate"),
    "address": ("地址", "Address"),
    "place": ("地名", "Place"),
    "organisation": ("机构", "Organisation"),
    "datetime": ("时间", "Date/time"),
}
FLAG_LABELS: dict[str, tuple[str, str]] = {
    "safety_hazard": ("安全隐患", "Safety hazard"),
    "threat_to_life_property": ("危及生命财产", "Threat to life or property"),
    "wage_arrears": ("拖欠工资", "Wage arrears"),
    "disaster": ("灾害险情", "Disaster"),
    "extreme_emotion": ("情绪激烈", "Extreme emotion"),
    "repeated_complaint": ("重复投诉", "Repeated complaint"),
}
PERSONAL_KINDS = {"phone", "id_card", "email", "bank_card", "plate"}


def _bilingual(pair: tuple[str, str]) -> dict[str, str]:
    """The form the portal's `|label` filter shows in the active language."""
    return {"zh": pair[0], "en": pair[1]}


def reading_for(message_id: int, *, personal: bool) -> dict[str, Any] | None:
    """Display rows for the workspace; personal identifiers masked unless the viewer may see personal data."""
    result = IntakeResult.objects.filter(message_id=message_id).first()
    if result is None:
        return None
    entities: dict[str, list[str]] = {}
    for e in result.entities:
        kind = str(e.get("kind", ""))
        value = str(e.get("text") or e.get("value") or "")
        if not personal and kind in PERSONAL_KINDS:
            masked = mask_personal_data(value)
            value = masked if masked != value else "***"
        elif not personal and kind == "address":
            value = mask_personal_data(value)  # unit and room numbers starred
        bucket = entities.setdefault(kind, [])
        if value and value not in bucket:
            bucket.append(value)
    region = (
        Region.objects.filter(pk=result.region_id).values_list("name", flat=True).first() if result.region_id else None
    )
    category = (
        Category.objects.filter(pk=result.category_id).values_list("path", flat=True).first()
        if result.category_id
        else None
    )
    return {
        "entities": [
            {"label": _bilingual(ENTITY_LABELS.get(kind, (kind, kind))), "values": values[:8]}
            for kind, values in entities.items()
        ],
        "region": region,
        "region_confidence": result.region_confidence,
        "region_evidence": "、".join(str(x) for x in result.region_evidence[:5]),
        "type": MessageType(result.type).label if result.type in MessageType.values else result.type,
        "type_confidence": result.type_confidence,
        "type_reason": result.type_reason,
        "category": category,
        "category_confidence": result.category_confidence,
        "category_reason": result.category_reason,
        "flags": [
            {**f, "label": _bilingual(FLAG_LABELS.get(str(f.get("code")), (str(f.get("code")), str(f.get("code")))))}
            for f in result.flags
        ],
        "auto": result.decision == Decision.AUTO,
        "reason": {"zh": result.reason_zh, "en": result.reason_en},
        "problems": [{"zh": p.get("zh", ""), "en": p.get("en", "")} for p in result.problems],
        "models": result.models_used,
        "duration_ms": result.duration_ms,
    }
