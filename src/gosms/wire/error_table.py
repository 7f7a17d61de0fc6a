"""The one table of GoSMS error codes.

Every adapter (CLI, Ansible, Home Assistant, Nagios, Zabbix) reads codes, texts, remedies and
monitoring states from :data:`TABLE`; none of them holds a code number of its own.  Descriptions
are the doc pages' own text, word for word and typos included (it is what a real server says, so
the "server said" suffix of an error repeats nothing): ``description`` is the English error page's
(codes 1000-1008, 2001-2005, 3000) and, for the codes only the newer Russian page lists (1009-1017,
2006-2009), a whole translation of it; ``description_ru`` is the Russian page's.  ``pages`` says
which.  Anything the project adds (where to click, what exactly is checked) goes in the remedy.

Monitoring states are a product decision, not an API fact, and are documented per entry:
CRITICAL where alerts cannot go out at all, WARNING where they soon may not or only a part of the
set-up is affected, UNKNOWN where the failing request itself (or the monitoring token's
permissions) is at fault, so the check cannot tell the gateway's health.

The exceptions (:mod:`gosms.wire.errors`) load this module when they explain a code, and
``gosms.wire.errors.TABLE`` and ``lookup`` stay where callers have always found them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Optional

from .codes import Category, Severity
from .hints import Setting

__all__ = ["TABLE", "ErrorInfo", "lookup"]


@dataclass(frozen=True)
class ErrorInfo:
    """One row of the table: what the code means and what an operator does about it."""

    code: int
    description: str
    remedy: str
    category: Category
    retryable: bool
    severity: Severity
    description_ru: str
    remedy_ru: str
    field: Optional[str] = None
    """The request field a validation code is about, so callers can point at it."""
    setting: Optional[Setting] = None
    """The setting a user changes to fix this code, if one does (adapters name it in their words)."""
    retry_after: float = 0.0
    """For retryable codes: how long to wait before a retry can succeed."""
    known: bool = True
    pages: tuple[str, ...] = ("en", "ru")
    """The doc pages listing the code: ``description`` is the English page's text where "en" is listed,
    else a faithful translation of the Russian page's; ``description_ru`` is always the Russian page's."""

    def as_dict(self) -> dict[str, Any]:
        """The row for JSON output (``gosms errors --json``)."""
        return {
            "code": self.code,
            "description": self.description,
            "remedy": self.remedy,
            "category": self.category.value,
            "retryable": self.retryable,
            "severity": self.severity.name,
            "description_ru": self.description_ru,
            "remedy_ru": self.remedy_ru,
            "field": self.field,
            "setting": self.setting.value if self.setting is not None else None,
            "retry_after": self.retry_after,
            "pages": list(self.pages),
        }


_PANEL = "https://cms.gosms.ru"
_API = f"{_PANEL}/api"
_DEVICES = f"{_PANEL}/devices"
_EDIT_API = f"In the control panel open API Integration ({_API}), click Edit on this API token and"
_EDIT_API_RU = f"В панели управления откройте «API Интеграция» ({_API}), нажмите «Редактировать» у этого API и"

_S, _W, _C, _U = Severity.OK, Severity.WARNING, Severity.CRITICAL, Severity.UNKNOWN
_A = Category

_ROWS: tuple[ErrorInfo, ...] = (
    # Unknown server-side failure: treated like a 5xx, alerts may not be going out.
    ErrorInfo(1000, "Unknown error",
              f"Retry later; if it persists, contact GoSMS support chat in the control panel ({_PANEL}).",
              _A.UNKNOWN, True, _C,
              "Неизвестная ошибка",
              f"Повторите позже; если ошибка не уходит, напишите в чат поддержки в панели управления ({_PANEL})."),
    # The client built bad JSON: a bug on our side, the gateway's health is unknown.
    ErrorInfo(1001, "Invalid Json request",
              "The request body was not valid JSON; report this as a gosms-ops bug with what you ran.",
              _A.VALIDATION, False, _U,
              "Недопустимый запрос Json",
              "Тело запроса не является корректным JSON; сообщите об ошибке gosms-ops и о том, что запускали."),
    ErrorInfo(1002, "Api is inactive. Activate it in the control panel before using it.",
              f"In the control panel open API Integration ({_API}) and switch this API token on.",
              _A.AUTH, False, _C,
              "Api неактивно. Активируйте его в панели управления перед использованием.",
              f"В панели управления откройте «API Интеграция» ({_API}) и включите этот API."),
    ErrorInfo(1003, "Api does not exist.",
              "The API does not know this token. Most often it was mistyped or copied incompletely: copy it "
              f"again from API Integration ({_API}). If its API was deleted, create a new one there and "
              "configure its token.",
              _A.AUTH, False, _C,
              "Api не существует.",
              "API не знает этот токен. Чаще всего он введён с ошибкой или скопирован не полностью: скопируйте "
              f"его заново из раздела «API Интеграция» ({_API}). Если API удалён, создайте там новый и укажите "
              "его токен.",
              setting=Setting.TOKEN),
    # Sending needs a registered phone, but the spec asks for WARNING: reading still works.
    ErrorInfo(1004, "You have not registered any devices. You can do this through the control panel in the "
              "\"My devices\" section.",
              f"Install the GoSMS app on an Android phone, connect it under My Devices ({_DEVICES}) and "
              "activate it.",
              _A.DEVICE, False, _W,
              "У Вас не зарегистрировано ни одного устройства. Вы можете сделать это через панель управления в "
              "разделе \"Мои устройства\".",
              f"Установите приложение GoSMS на Android-телефон, подключите его в разделе «Мои устройства» "
              f"({_DEVICES}) и активируйте."),
    # This token can never send: every alert through it fails.
    ErrorInfo(1005, "Sending SMS is not allowed for this API. Enable this option in your API settings.",
              f"{_EDIT_API} under SMS grant 'Can send messages'.",
              _A.PERMISSION, False, _C,
              "Для этого API отправка смс запрещена. Включите эту опцию в настройках Вашего API.",
              f"{_EDIT_API_RU} в разделе «СМС» разрешите «Может отправлять сообщения»."),
    ErrorInfo(1006, "Maximum number of SMS on your tariff plan.",
              f"Move to a plan with a higher limit under Subscription and Services ({_PANEL}/tariff), "
              "or wait for the monthly limit to reset.",
              _A.QUOTA, False, _W,
              "Максимальное количество смс на Вашем тарифном плане.",
              f"Перейдите на тариф с большим лимитом в разделе «Подписка и услуги» ({_PANEL}/tariff) "
              "или дождитесь обновления месячного лимита."),
    # The monitoring token cannot read: the check cannot tell the gateway's health.
    ErrorInfo(1007, "Receiving information about SMS is not allowed for this API. Enable this option in your API "
              "settings.",
              f"{_EDIT_API} under SMS grant 'Can see messages'.",
              _A.PERMISSION, False, _U,
              "Для этого API получение информации об смс запрещено. Включите эту опцию в настройках Вашего API.",
              f"{_EDIT_API_RU} в разделе «СМС» разрешите «Может видеть сообщения»."),
    ErrorInfo(1008, "SMS with this id does not exist.",
              "Check the message id: it may have been deleted or belong to another account.",
              _A.NOT_FOUND, False, _U,
              "Смс с таким id не существует.",
              "Проверьте id сообщения: оно могло быть удалено или принадлежит другому аккаунту.",
              setting=Setting.MESSAGE_ID),
    ErrorInfo(1009, "Deleting SMS is not allowed for this API. Enable this option in your API settings.",
              f"{_EDIT_API} under SMS grant 'Can delete messages'.",
              _A.PERMISSION, False, _W,
              "Для этого API удаление смс запрещено. Включите эту опцию в настройках вашего API.",
              f"{_EDIT_API_RU} в разделе «СМС» разрешите «Может удалять сообщения»."),
    # Deleting is only refused for a few minutes after creation: retrying later helps.
    ErrorInfo(1010, "This SMS can be deleted in a few minutes. Try again later.",
              "A message can be deleted 5 minutes after it was created; retry then.",
              _A.VALIDATION, True, _W,
              "Это смс сообщение можно будет удалить через пару минут. Попробуйте позже.",
              "Сообщение можно удалить через 5 минут после создания; повторите позже.",
              retry_after=300.0),
    ErrorInfo(1011, "Access to devices is not allowed for this API. Enable this option in your API settings.",
              f"{_EDIT_API} under Devices grant 'Can see devices'.",
              _A.PERMISSION, False, _U,
              "Для этого API доступ к устройствам запрещен. Включите эту опцию в настройках вашего API.",
              f"{_EDIT_API_RU} в разделе «Устройства» разрешите «Может видеть устройства»."),
    # A phone the operator relies on is gone from the account.
    ErrorInfo(1012, "Device with this ID does not exist.",
              f"Check the device ID under My Devices ({_DEVICES}); the phone may have been removed.",
              _A.NOT_FOUND, False, _C,
              "Устройства с таким ID не существует.",
              f"Проверьте ID устройства в разделе «Мои устройства» ({_DEVICES}); телефон мог быть удалён.",
              setting=Setting.DEVICE_ID),
    ErrorInfo(1013, "Editing devices is not allowed for this API. Enable this option in your API settings.",
              f"{_EDIT_API} under Devices grant 'Can edit devices'.",
              _A.PERMISSION, False, _W,
              "Для этого API редактировать устройства запрещено. Включите эту опцию в настройках вашего API.",
              f"{_EDIT_API_RU} в разделе «Устройства» разрешите «Может изменять устройства»."),
    ErrorInfo(1014, "Deleting devices is not allowed for this API. Enable this option in your API settings.",
              f"{_EDIT_API} under Devices grant 'Can delete devices'.",
              _A.PERMISSION, False, _W,
              "Для этого API удалять устройства запрещено. Включите эту опцию в настройках вашего API.",
              f"{_EDIT_API_RU} в разделе «Устройства» разрешите «Может удалять устройства»."),
    # Same situation as 1004 (no phone can send), so the same state.
    ErrorInfo(1015, "You have no device with receiving SMS enabled.",
              f"Under My Devices ({_DEVICES}) enable sending on at least one connected phone, or connect one.",
              _A.DEVICE, False, _W,
              "У вас нет не одного устройства с разрешенным приемом sms.",
              f"В разделе «Мои устройства» ({_DEVICES}) включите отправку хотя бы на одном телефоне "
              "или подключите новый."),
    # A message pinned to a phone that is not there will never go out.
    ErrorInfo(1016, "You have no device with this device_id.",
              f"Name the sending phone by the device ID shown under its name in My Devices ({_DEVICES}), "
              "or name no phone to let any active phone send.",
              _A.DEVICE, False, _C,
              "У вас нет устройства с таким device_id.",
              f"Укажите ID, показанный под названием телефона в разделе «Мои устройства» ({_DEVICES}), "
              "или не указывайте телефон, чтобы отправил любой активный.",
              field="device_id", setting=Setting.DEVICE_ID),
    ErrorInfo(1017, "You give to_sim but did not give device_id; we cannot determine the SIM to send from "
              "without the device being named explicitly.",
              "Name the sending phone together with its SIM slot, or leave the SIM slot out.",
              _A.VALIDATION, False, _U,
              "Вы указываете to_sim но не указали device_id, мы не сможем определить sim для отправки без явного "
              "указания устройства.",
              "Укажите телефон-отправитель вместе со слотом SIM или не указывайте слот.",
              field="to_sim", setting=Setting.DEVICE_ID),
    ErrorInfo(2001, "Invalid phone number specified in the phone_number field.",
              "Give the number in international form, country code first, e.g. 79991234567: the API takes "
              "3 to 30 digits 0-9 and nothing else.",
              _A.VALIDATION, False, _U,
              "Неверно указан номер телефона в поле phone_number.",
              "Укажите номер в международном виде, код страны первым, например 79991234567: API принимает "
              "от 3 до 30 цифр 0-9 и ничего больше.",
              field="phone_number", setting=Setting.RECIPIENT),
    ErrorInfo(2002, "Invalid message text specified in the message field.",
              "Use 1 to 300 characters: letters, punctuation, ASCII digits 0-9 and ASCII spaces, tabs and line "
              "breaks, plus -_/.,!+@=#$%^&*(){}[];\"'<>?; other digits, the non-breaking space, symbols such as "
              "'|', '~', the backtick and emoji are refused.",
              _A.VALIDATION, False, _U,
              "Неверно указан текст сообщения в поле message.",
              "От 1 до 300 символов: буквы, знаки препинания, цифры ASCII 0-9 и пробелы, табуляции и переводы "
              "строк ASCII, а также -_/.,!+@=#$%^&*(){}[];\"'<>?; другие цифры, неразрывный пробел, символы "
              "вроде «|», «~», обратной кавычки и эмодзи не принимаются.",
              field="message", setting=Setting.MESSAGE),
    ErrorInfo(2003, "Invalid id format.",
              "An id of a message, or of a device on the English device page, is a 24-hex ObjectID, "
              "e.g. 6654a4e8f1527149588c89f2: copy it from the send answer, the message list or My Devices.",
              _A.VALIDATION, False, _U,
              "Неверный формат id.",
              "id сообщения (и устройства на английской странице устройств) — ObjectID из 24 шестнадцатеричных "
              "символов, например 6654a4e8f1527149588c89f2: скопируйте его из ответа на отправку, списка "
              "сообщений или «Мои устройства».",
              field="id", setting=Setting.MESSAGE_ID),
    ErrorInfo(2004, "Invalid callback_id format.",
              "Copy the webhook ID from the Webhook page: a UUID or a 24-hex ObjectID.",
              _A.VALIDATION, False, _U,
              "Неверный формат callback_id.",
              "Скопируйте ID вебхука со страницы Webhook: UUID или 24-символьный ObjectID.",
              field="callback_id", setting=Setting.CALLBACK_ID),
    ErrorInfo(2005, "Invalid device_id format.",
              f"Copy the device ID from My Devices ({_DEVICES}): a UUID or a 24-hex ObjectID.",
              _A.VALIDATION, False, _U,
              "Неверный формат device_id.",
              f"Скопируйте ID устройства из раздела «Мои устройства» ({_DEVICES}): UUID или ObjectID.",
              field="device_id", setting=Setting.DEVICE_ID),
    ErrorInfo(2006, "limit is a required parameter. Minimum 1, maximum 100 records per page.",
              "Ask for 1 to 100 records per page.",
              _A.VALIDATION, False, _U,
              "limit является обязательным параметром. Минимум 1 максимум 100 записей на страницу.",
              "Запрашивайте от 1 до 100 записей на страницу.",
              field="limit", setting=Setting.LIMIT),
    ErrorInfo(2007, "offset may only be a number.",
              "Give the offset as a whole number: 0 or more (pages are counted from 1; some servers count "
              "records from 0).",
              _A.VALIDATION, False, _U,
              "offset может состоять только из числового значения.",
              "Укажите смещение целым числом от 0 (страницы считаются с 1; некоторые серверы считают записи "
              "с 0).",
              field="offset", setting=Setting.OFFSET),
    ErrorInfo(2008, "Invalid to_sim format.",
              "Give the SIM slot as a whole number: slots count from 0 (0 is the first slot, 1 the second, as "
              "shown under My Devices), -1 for a random SIM, -2 for the phone's default.",
              _A.VALIDATION, False, _U,
              "Неверный формат to_sim.",
              "Укажите слот SIM целым числом: слоты с нуля (0 — первый, 1 — второй, как в «Мои устройства»), "
              "-1 — случайная SIM, -2 — SIM по умолчанию в телефоне.",
              field="to_sim", setting=Setting.TO_SIM),
    ErrorInfo(2009, "Invalid is_active format.",
              "Switch the phone on or off with true or false.",
              _A.VALIDATION, False, _U,
              "Неверный формат is_active.",
              "Включите или выключите телефон значением true или false.",
              field="is_active", setting=Setting.IS_ACTIVE),
    ErrorInfo(3000, "Your account is blocked by the administration. Contact the project's technical support.",
              f"Contact GoSMS technical support through the chat in the control panel ({_PANEL}).",
              _A.ACCOUNT, False, _C,
              "Ваш аккаунт заблокирован по решению администрации. Обратитесь в техническую поддержку проекта.",
              f"Обратитесь в техническую поддержку через чат в панели управления ({_PANEL})."),
)

_RUSSIAN_PAGE_ONLY = frozenset({*range(1009, 1018), *range(2006, 2010)})

TABLE: Mapping[int, ErrorInfo] = {
    row.code: replace(row, pages=("ru",)) if row.code in _RUSSIAN_PAGE_ONLY else row for row in _ROWS
}
"""Every documented code, English page and Russian page alike."""


def lookup(code: int) -> ErrorInfo:
    """The table row for ``code``; an explicit "unknown" row for codes the docs do not list."""
    try:
        return TABLE[code]
    except KeyError:
        return ErrorInfo(
            code,
            f"unknown GoSMS error {code}",
            f"This code is not in the GoSMS documentation; contact support in the control panel ({_PANEL}) "
            "and quote the error hash.",
            Category.UNKNOWN,
            False,
            Severity.UNKNOWN,
            f"неизвестная ошибка GoSMS {code}",
            f"Этого кода нет в документации GoSMS; обратитесь в поддержку ({_PANEL}) и укажите hash ошибки.",
            known=False,
        )
