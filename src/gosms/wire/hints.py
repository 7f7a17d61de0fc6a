"""What a user can change to fix an error, as data: each adapter words it in its own vocabulary.

The same refusal reaches people through a shell, a playbook, a Home Assistant form and a Nagios
command definition, and each has its own name for the setting that fixes it (``--invalid-chars
replace``, ``invalid_chars: replace``, a form field, a plugin flag).  So the core never names an
option: an error carries a :class:`Hint` (which :class:`Setting`, and the value to choose if one
value fixes it), and a *reason* key with *params* from which an adapter renders the detail in its
user's language.  :data:`DETAILS` holds the core's own rendering of every reason in English and
Russian (the core keeps the Russian texts of the error table too); adapters with their own
translation system (Home Assistant) may use the reason as their translation key instead.

A :class:`Setting`'s value is the keyword the Python library takes for it (``Client(...)``,
``Client.send(...)``), so for ``import gosms`` users the hint's words are already their own.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

__all__ = ["DETAILS", "ON", "Hint", "Setting", "render_detail"]


class Setting(str, enum.Enum):
    """A tool-neutral setting a user can change; the value is the Python library's keyword for it."""

    TOKEN = "token"
    API_URL = "api_url"
    ALLOW_INSECURE_HTTP = "allow_insecure_http"
    RECIPIENT = "to"
    NORMALIZE = "normalize"
    MESSAGE = "message"
    INVALID_CHARS = "invalid_chars"
    LONG_MESSAGE = "long_message"
    DEVICE_ID = "device_id"
    TO_SIM = "to_sim"
    CALLBACK_ID = "callback_id"
    MESSAGE_ID = "message_id"
    LIMIT = "limit"
    OFFSET = "offset"
    IS_ACTIVE = "is_active"
    TIMEOUT = "timeout"

    @property
    def label(self) -> str:
        """Plain English words for the setting, naming no tool's option."""
        return _LABELS[self][0]

    @property
    def label_ru(self) -> str:
        """The same in Russian."""
        return _LABELS[self][1]


_LABELS: Mapping[Setting, tuple[str, str]] = {
    Setting.TOKEN: ("the API token", "токен API"),
    Setting.API_URL: ("the API address", "адрес API"),
    Setting.ALLOW_INSECURE_HTTP: ("permission for plain http", "разрешение на обычный http"),
    Setting.RECIPIENT: ("the recipient's phone number", "номер получателя"),
    Setting.NORMALIZE: ("number normalisation", "нормализацию номеров"),
    Setting.MESSAGE: ("the message text", "текст сообщения"),
    Setting.INVALID_CHARS: ("the handling of refused characters", "обработку недопустимых символов"),
    Setting.LONG_MESSAGE: ("the handling of long messages", "обработку длинных сообщений"),
    Setting.DEVICE_ID: ("the sending phone (device id)", "телефон-отправитель (ID устройства)"),
    Setting.TO_SIM: ("the SIM slot", "слот SIM"),
    Setting.CALLBACK_ID: ("the webhook id", "ID вебхука"),
    Setting.MESSAGE_ID: ("the message id", "ID сообщения"),
    Setting.LIMIT: ("the page size", "размер страницы"),
    Setting.OFFSET: ("the page offset", "смещение страницы"),
    Setting.IS_ACTIVE: ("the active switch", "переключатель активности"),
    Setting.TIMEOUT: ("the timeout", "тайм-аут"),
}


ON = "true"
"""The value of a hint that asks to switch a setting on."""


@dataclass(frozen=True)
class Hint:
    """Which setting fixes an error: "set <setting> to <value>", or "correct <setting>" when value is None."""

    setting: Setting
    value: Optional[str] = None

    def as_dict(self) -> dict[str, Optional[str]]:
        """The hint for JSON output: ``{"setting": ..., "value": ...}``."""
        return {"setting": self.setting.value, "value": self.value}

    def text(self, name: Optional[str] = None) -> str:
        """The hint in English, naming the setting as ``name`` (an adapter's word) or its neutral label."""
        words = name or self.setting.label
        if self.value is None:
            return f"correct {words}"
        return f"turn on {words}" if self.value == ON else f"set {words} to {self.value}"

    def text_ru(self, name: Optional[str] = None) -> str:
        """The hint in Russian, naming the setting as ``name`` or its neutral label."""
        words = name or self.setting.label_ru
        if self.value is None:
            return f"исправьте {words}"
        return f"включите {words}" if self.value == ON else f"установите {words}: {self.value}"


DETAILS: Mapping[str, tuple[str, str]] = {
    # reason: (English, Russian); {placeholders} are the error's params.
    "not_text": ("{field} must be text, not {type}.", "{field} должно быть текстом, а не {type}."),
    "message_empty": ("The message is empty; give 1 to {limit} characters.",
                      "Сообщение пустое; нужно от 1 до {limit} символов."),
    "char_not_allowed": ("Character {char} at position {position} is not accepted by the API.",
                         "Символ {char} в позиции {position} не принимается API."),
    "message_too_long": ("The message is {length} characters; the limit is {limit}.",
                         "В сообщении {length} символов; предел {limit}."),
    "no_recipient": ("No phone number was given; name at least one recipient.",
                     "Не указан ни один номер; укажите хотя бы одного получателя."),
    "phone_char": ("{value} contains {char}; the API takes digits 0-9 only, country code first, "
                   "e.g. 79991234567.",
                   "{value} содержит {char}; API принимает только цифры 0-9, код страны первым, "
                   "например 79991234567."),
    "phone_length": ("{value} has {digits} digits; the API takes {min} to {max}.",
                     "В номере {value} {digits} цифр; API принимает от {min} до {max}."),
    "message_id_format": ("{value} is not a message id: the API takes a 24-hex ObjectID such as "
                          "6654a4e8f1527149588c89f2.",
                          "{value} не похоже на id сообщения: API принимает ObjectID из 24 шестнадцатеричных "
                          "символов, например 6654a4e8f1527149588c89f2."),
    "device_id_format": ("{value} is not a device id: the API takes a lowercase UUID such as "
                         "3baf9df0-d0e3-43d2-a58f-6d7c27143242 or a 24-hex ObjectID.",
                         "{value} не похоже на ID устройства: API принимает UUID в нижнем регистре, например "
                         "3baf9df0-d0e3-43d2-a58f-6d7c27143242, или ObjectID из 24 шестнадцатеричных символов."),
    "callback_id_format": ("{value} is not a webhook id: the API takes a lowercase UUID such as "
                           "3baf9df0-d0e3-43d2-a58f-6d7c27143242 or a 24-hex ObjectID.",
                           "{value} не похоже на ID вебхука: API принимает UUID в нижнем регистре, например "
                           "3baf9df0-d0e3-43d2-a58f-6d7c27143242, или ObjectID из 24 шестнадцатеричных символов."),
    "id_uppercase": ("{value} must be written in lowercase: {lower}.",
                     "{value} нужно писать в нижнем регистре: {lower}."),
    "to_sim_format": ("SIM slot {value} is not one the API documents: a slot number counted from 0 "
                      "(0 is the first slot, 1 the second), -1 (random) or -2 (the phone's default).",
                      "Слот SIM {value} не из описанных в API: номер слота с нуля "
                      "(0 — первый слот, 1 — второй), -1 (случайный) или -2 (по умолчанию в телефоне)."),
    "to_sim_without_device": ("A SIM slot was given without naming the phone whose SIM to use.",
                              "Слот SIM указан без телефона, чья SIM должна отправить."),
    "limit_range": ("Page size {value} must be a whole number from 1 to {max}.",
                    "Размер страницы {value} должен быть целым числом от 1 до {max}."),
    "offset_format": ("Offset {value} must be a whole number, 0 or more.",
                      "Смещение {value} должно быть целым числом от 0."),
    "bool_format": ("{field} {value} must be true or false.", "{field} {value} должно быть true или false."),
    "token_empty": ("The GoSMS token is empty; copy it from API Integration in the control panel.",
                    "Токен GoSMS пустой; скопируйте его из раздела «API Интеграция» панели управления."),
    "token_missing": ("No GoSMS token was given, nor found in GOSMS_TOKEN or GOSMS_TOKEN_FILE (the token is "
                      "under API Integration in the control panel).",
                      "Токен GoSMS не указан и не найден в GOSMS_TOKEN или GOSMS_TOKEN_FILE (токен — в разделе "
                      "«API Интеграция» панели управления)."),
    "token_file_unreadable": ("Cannot read the token file {path}: {reason}.",
                              "Не удаётся прочитать файл токена {path}: {reason}."),
    "token_malformed": ("The GoSMS token has a character no token has (a space, a line break or a non-ASCII "
                        "letter, character {position}); copy it again from API Integration in the control panel.",
                        "В токене GoSMS есть символ, которого в токене не бывает (пробел, перевод строки или "
                        "не-ASCII буква, символ {position}); скопируйте его заново из раздела «API Интеграция» "
                        "панели управления."),
    "token_file_not_regular": ("The token file {path} is not a regular file (a pipe, device or folder); put the "
                               "token alone in a plain file.",
                               "Файл токена {path} — не обычный файл (канал, устройство или папка); положите "
                               "токен в обычный файл."),
    "token_file_writable": ("The token file {path} can be changed by other users (mode {mode}), who could swap "
                            "the account alerts go to; run chmod 0640 {file} to fix it.",
                            "Файл токена {path} могут изменить другие пользователи (права {mode}) и подменить "
                            "учётную запись, через которую идут оповещения; выполните chmod 0640 {file}, "
                            "чтобы исправить."),
    "token_file_readable": ("The token file {path} can be read by every user of this machine (mode {mode}); "
                            "run chmod 0640 {file} (the owner and its group may read it, e.g. root:nagios).",
                            "Файл токена {path} может прочитать любой пользователь этой машины (права {mode}); "
                            "выполните chmod 0640 {file} (читать могут владелец и группа, например "
                            "root:nagios)."),
    "token_file_too_big": ("The token file {path} is larger than {max} bytes: it must hold the token alone, on "
                           "one line.",
                           "Файл токена {path} больше {max} байт: в нём должен быть только токен, одной "
                           "строкой."),
    "token_file_encoding": ("The token file {path} is not UTF-8 text; save it as plain text holding the token "
                            "alone.",
                            "Файл токена {path} — не текст в UTF-8; сохраните его как простой текст с одним "
                            "токеном."),
    "token_file_lines": ("The token file {path} has more than one line (line {line} is not empty); it must hold "
                         "the token alone: move notes and old tokens elsewhere.",
                         "В файле токена {path} больше одной строки (строка {line} не пуста); в нём должен быть "
                         "только токен: уберите заметки и старые токены в другое место."),
    "url_unreadable": ("The GoSMS API URL {url} cannot be read ({error}); give one like {example}.",
                       "Адрес API GoSMS {url} не удаётся разобрать ({error}); пример: {example}."),
    "url_not_http": ("The GoSMS API URL {url} is not an http(s) URL, e.g. {example}.",
                     "Адрес API GoSMS {url} не http(s), пример: {example}."),
    "url_credentials": ("The GoSMS API URL must not carry credentials; the token has its own setting.",
                        "Адрес API GoSMS не должен содержать учётные данные; у токена своя настройка."),
    "insecure_http": ("Refusing plain http to {host}: the token would cross the network unencrypted. "
                      "Use https, or allow plain http to this host explicitly.",
                      "Обычный http к {host} запрещён: токен шёл бы по сети без шифрования. "
                      "Используйте https или явно разрешите обычный http к этому хосту."),
}


def render_detail(reason: str, params: Mapping[str, str], *, russian: bool = False) -> str:
    """The detail sentence of ``reason`` with its params filled in; "" for an unknown reason."""
    texts = DETAILS.get(reason)
    if texts is None:
        return ""
    return (texts[1] if russian else texts[0]).format_map(dict(params))
