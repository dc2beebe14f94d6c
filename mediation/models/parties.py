"""A case's parties (DESIGN.md §3): the people and organisations in a dispute, with their
representatives, and their role and order in each case they are in."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mediation.law import lengths
from mediation.law.choices import Gender, PartyKind, PartyRole, RepresentativeKind

from .case import Case
from .crypto import EncryptedCharField, LookupDigestField


class Party(models.Model):
    kind = models.CharField(_("类别"), max_length=16, choices=PartyKind.choices)
    name = models.CharField(_("姓名/名称"), max_length=lengths.NAME)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    # Encrypted at rest (SM4), found by keyed hash (mediation.models.crypto).
    id_number = EncryptedCharField(_("公民身份号码"), max_length=18, blank=True)
    id_number_digest = LookupDigestField(source="id_number", kind="id_number")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    representative = models.CharField(_("法定代表人/负责人"), max_length=50, blank=True)
    phone = EncryptedCharField(_("联系电话"), max_length=30, blank=True)
    phone_digest = LookupDigestField(source="phone", kind="phone")
    address = models.CharField(_("住址"), max_length=200, blank=True)
    tags = models.JSONField(_("特殊群体"), default=list, blank=True)
    limited_capacity = models.BooleanField(_("无民事行为能力或限制民事行为能力"), default=False)
    # A natural person's guardian or agent (DESIGN.md §3 "Parties' representatives").
    rep_kind = models.CharField(
        _("代理人类型"), max_length=16, choices=RepresentativeKind.choices, blank=True
    )
    rep_name = models.CharField(_("代理人姓名"), max_length=50, blank=True)
    # Encrypted at rest like the party's own numbers (DESIGN §9); nobody searches by them.
    rep_id_number = EncryptedCharField(_("代理人公民身份号码"), max_length=18, blank=True)
    rep_phone = EncryptedCharField(_("代理人联系电话"), max_length=30, blank=True)
    rep_authorization = models.TextField(_("授权委托书/监护关系证明"), blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")

    def __str__(self) -> str:
        return self.name

    @property
    def representative_info(self) -> dict[str, str] | None:
        if not self.rep_kind:
            return None
        return {
            "kind": self.rep_kind,
            "name": self.rep_name,
            "id_number": self.rep_id_number,
            "phone": self.rep_phone,
            "authorization": self.rep_authorization,
        }


class CaseParty(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_parties")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="case_links")
    role = models.CharField(_("诉讼地位"), max_length=16, choices=PartyRole.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("案件当事人")
        verbose_name_plural = _("案件当事人")
        ordering = ["position", "id"]
