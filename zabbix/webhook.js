// GoSMS webhook for Zabbix: one SMS per alert through the GoSMS.ru API.
//
// Runs in Zabbix's own JavaScript engine (Duktape, ECMAScript 5.1): no let/const, no arrow
// functions. The API's rules (message length, the characters it accepts and what replaces the
// others, the phone number rule) and its error table come from the gosms core: the line
// "var CORE = ..." below is written by scripts/zabbix_media.py, which also builds gosms.yaml around
// this file. Edit this file and regenerate; never edit the script inside gosms.yaml.
//
// Every failure throws a string: Zabbix shows it in the action log and retries the alert as the
// media type's attempts and interval say. The token travels only in the Authorization header and is
// scrubbed from anything thrown or logged.

var CORE = {};

var LOG_PREFIX = '[ GoSMS Webhook ] ';
var SEVERITIES = ['Not classified', 'Information', 'Warning', 'Average', 'High', 'Disaster'];

// --- text by the API's rules ---------------------------------------------------------------------

// Ranges are stored as base-36 "delta.length" pairs separated by commas: the start of each range
// counts from the end of the previous one, which keeps the table small.
function decodeRanges(packed) {
    var starts = [], ends = [], last = 0, items = packed ? packed.split(',') : [], i, pair, start;
    for (i = 0; i < items.length; i++) {
        pair = items[i].split('.');
        start = last + parseInt(pair[0], 36);
        last = start + parseInt(pair[1], 36);
        starts.push(start);
        ends.push(last);
    }
    return {starts: starts, ends: ends};
}

function inRanges(table, cp) {
    var lo = 0, hi = table.starts.length - 1, mid;
    while (lo <= hi) {
        mid = (lo + hi) >> 1;
        if (cp < table.starts[mid]) {
            hi = mid - 1;
        }
        else if (cp > table.ends[mid]) {
            lo = mid + 1;
        }
        else {
            return mid;
        }
    }
    return -1;
}

// "letter.base.mark" triples (see scripts/zabbix_media.py) into "base,mark" -> letter.
function decodeCompositions(packed) {
    var table = {}, last = 0, items = packed.split(','), i, triple;
    for (i = 0; i < items.length; i++) {
        triple = items[i].split('.');
        last += parseInt(triple[0], 36);
        table[(last - parseInt(triple[1], 36)) + ',' + (0x300 + parseInt(triple[2], 36))] = last;
    }
    return table;
}

var TABLES = {
    compositions: decodeCompositions(CORE.text.compositions),
    accepted: decodeRanges(CORE.text.accepted),
    marks: decodeRanges(CORE.text.marks),
    digits: decodeRanges(CORE.text.digits),
    spaces: decodeRanges(CORE.text.spaces),
    invisible: decodeRanges(CORE.text.invisible)
};

// Code points of a string. Duktape reads a 4-byte UTF-8 character as one code point; a pair of
// surrogates (from a \u escape) is joined here, so lengths count what the API counts.
function codePoints(text) {
    var out = [], i, c, d;
    for (i = 0; i < text.length; i++) {
        c = text.charCodeAt(i);
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.length) {
            d = text.charCodeAt(i + 1);
            if (d >= 0xDC00 && d <= 0xDFFF) {
                c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
                i++;
            }
        }
        out.push(c);
    }
    return out;
}

// String.fromCharCode takes a whole code point in Duktape (an extension Zabbix relies on too).
function fromCodePoints(cps) {
    var out = '', i;
    for (i = 0; i < cps.length; i++) {
        out += String.fromCharCode(cps[i]);
    }
    return out;
}

function hex(cp) {
    var digits = cp.toString(16).toUpperCase();
    while (digits.length < 4) {
        digits = '0' + digits;
    }
    return 'U+' + digits;
}

function accepted(cp) {
    return inRanges(TABLES.accepted, cp) >= 0;
}

// An accepted spelling of a refused character, in the core's order of preference.
function spelled(cp) {
    var key = String(cp), index;
    if (CORE.text.replacements.hasOwnProperty(key)) {
        return codePoints(CORE.text.replacements[key]);
    }
    index = inRanges(TABLES.digits, cp);
    if (index >= 0) {
        return [0x30 + (cp - TABLES.digits.starts[index]) % 10];
    }
    if (inRanges(TABLES.spaces, cp) >= 0) {
        return [0x20];
    }
    if (inRanges(TABLES.invisible, cp) >= 0) {
        return [];
    }
    if (CORE.text.folds.hasOwnProperty(key)) {
        return codePoints(CORE.text.folds[key]);
    }
    // The core spells the rest by its Unicode name; the names do not fit in a media type.
    return codePoints('(' + hex(cp) + ')');
}

// A letter typed as a base and combining marks becomes the precomposed letter where the API
// accepts that letter; marks left over are spelled like any other refused character.
function composeCluster(cluster) {
    var current = cluster[0], i, key, rest = [];
    for (i = 1; i < cluster.length; i++) {
        key = current + ',' + cluster[i];
        if (rest.length === 0 && TABLES.compositions.hasOwnProperty(key)) {
            current = TABLES.compositions[key];
        }
        else {
            rest.push(cluster[i]);
        }
    }
    return [current].concat(rest);
}

function replaceRefused(cps) {
    var out = [], clusters = [], i, j, cluster, composed;
    for (i = 0; i < cps.length; i++) {
        if (clusters.length > 0 && inRanges(TABLES.marks, cps[i]) >= 0) {
            clusters[clusters.length - 1].push(cps[i]);
        }
        else {
            clusters.push([cps[i]]);
        }
    }
    for (i = 0; i < clusters.length; i++) {
        cluster = clusters[i];
        composed = cluster.length > 1 ? composeCluster(cluster) : cluster;
        for (j = 0; j < composed.length; j++) {
            out = out.concat(accepted(composed[j]) ? [composed[j]] : spelled(composed[j]));
        }
    }
    return out;
}

function isSpace(cp) {
    return cp === 0x20 || (cp >= 0x09 && cp <= 0x0D);
}

// One line: runs of spaces, tabs and line breaks become one space, none at either end.
function oneLine(cps) {
    var out = [], i;
    for (i = 0; i < cps.length; i++) {
        if (!isSpace(cps[i])) {
            out.push(cps[i]);
        }
        else if (out.length > 0 && out[out.length - 1] !== 0x20) {
            out.push(0x20);
        }
    }
    while (out.length > 0 && out[out.length - 1] === 0x20) {
        out.pop();
    }
    return out;
}

// At most the API's length, cut at a word boundary where one is near, ending in an ellipsis.
function truncated(cps) {
    var limit = CORE.text.max_length, head, cut, i;
    if (cps.length <= limit) {
        return cps;
    }
    head = cps.slice(0, limit - 1);
    cut = -1;
    for (i = head.length - 1; i >= 0; i--) {
        if (head[i] === 0x20) {
            cut = i;
            break;
        }
    }
    if (cut >= Math.floor(limit / 2)) {
        head = head.slice(0, cut);
    }
    while (head.length > 0 && isSpace(head[head.length - 1])) {
        head.pop();
    }
    return head.concat(codePoints(CORE.text.ellipsis));
}

// --- errors ----------------------------------------------------------------------------------------

function render(template, params) {
    return template.replace(/\{([a-z_]+)\}/g, function (whole, name) {
        return params.hasOwnProperty(name) ? params[name] : whole;
    });
}

function hintText(setting, value) {
    var words = setting ? CORE.settings[setting] : null;
    if (!words) {
        return '';
    }
    return value ? 'Set ' + words + ' to ' + value + '.' : 'Check ' + words + '.';
}

function sentenceEnd(text) {
    return /[.?!]$/.test(text) ? text : text + '.';
}

// The sentence for a GoSMS code: "GoSMS 1006: <description> [detail] [(server said: ...)] [hash] <remedy> [hint]"
function codedError(code, options) {
    var row = CORE.errors[String(code)], text, said;
    options = options || {};
    if (!row) {
        row = {
            description: render(CORE.unknown.description, {code: String(code)}),
            remedy: CORE.unknown.remedy,
            unknown: true
        };
    }
    text = 'GoSMS ' + code + ': ' + sentenceEnd(row.description);
    if (options.detail) {
        text += ' ' + options.detail;
    }
    said = options.serverMessage ? String(options.serverMessage).replace(/\.\s*$/, '') : '';
    if (said && (row.unknown || (said !== row.description.replace(/\.$/, '')
            && said !== row.description_ru.replace(/\.$/, '')))) {
        text += ' (server said: ' + options.serverMessage + ')';
    }
    if (options.hash) {
        text += ' [hash ' + options.hash + ']';
    }
    text += ' ' + row.remedy;
    options.hint = options.hint !== undefined ? options.hint : hintText(row.setting);
    if (options.hint) {
        text += ' ' + options.hint;
    }
    return text;
}

function detail(reason, params) {
    return render(CORE.details[reason], params || {});
}

function quoted(value) {
    return '\'' + value + '\'';
}

// --- input ---------------------------------------------------------------------------------------

// A macro Zabbix could not expand stays as typed ("{ALERT.SENDTO}" in a media type test): no value.
function given(value) {
    if (typeof value !== 'string') {
        return '';
    }
    value = value.trim();
    return /^\{\$?[A-Z0-9_.]+(:[^}]*)?\}$/.test(value) ? '' : value;
}

function phoneNumber(value) {
    var raw = given(value), digits, bad;
    if (raw === '') {
        throw codedError(2001, {detail: detail('no_recipient')});
    }
    digits = raw.replace(new RegExp(CORE.phone.punctuation, 'g'), '');
    if (digits.charAt(0) === '+') {
        digits = digits.substring(1);
    }
    if (!/^[0-9]*$/.test(digits)) {
        bad = digits.replace(/[0-9]/g, '').charAt(0);
        throw codedError(2001, {detail: detail('phone_char', {
            value: quoted(raw), char: quoted(bad) + ' (' + hex(bad.charCodeAt(0)) + ')'})});
    }
    if (digits.length < CORE.phone.min_digits || digits.length > CORE.phone.max_digits) {
        throw codedError(2001, {detail: detail('phone_length', {
            value: quoted(raw), digits: String(digits.length),
            min: String(CORE.phone.min_digits), max: String(CORE.phone.max_digits)})});
    }
    return digits;
}

function deviceId(value) {
    var id = given(value);
    if (id === '' || new RegExp(CORE.ids.device).test(id)) {
        return id;
    }
    if (new RegExp(CORE.ids.device_any_case).test(id)) {
        throw codedError(2005, {detail: detail('id_uppercase', {value: quoted(id), lower: quoted(id.toLowerCase())}),
            hint: hintText('device_id', id.toLowerCase())});
    }
    throw codedError(2005, {detail: detail('device_id_format', {value: quoted(id)})});
}

function simSlot(value, device) {
    var slot = given(value);
    if (slot === '') {
        return null;
    }
    if (!/^-?[0-9]+$/.test(slot) || parseInt(slot, 10) < CORE.sim.lowest) {
        throw codedError(2008, {detail: detail('to_sim_format', {value: quoted(slot)})});
    }
    if (device === '') {
        throw codedError(1017, {detail: detail('to_sim_without_device')});
    }
    return parseInt(slot, 10);
}

function apiUrl(value) {
    var url = (given(value) || CORE.api.default_url).replace(/\/+$/, ''),
        parts = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^\/?#]*)/.exec(url), host;
    if (!parts || !/^https?$/i.test(parts[1]) || parts[2] === '') {
        throw 'GoSMS: ' + detail('url_not_http', {url: quoted(url), example: CORE.api.default_url}) + ' '
            + hintText('api_url');
    }
    if (parts[2].indexOf('@') >= 0) {
        throw 'GoSMS: ' + detail('url_credentials') + ' ' + hintText('api_url');
    }
    host = parts[2].replace(/^\[([^\]]*)\].*$/, '$1').replace(/^([^:\[]*)(:[0-9]*)?$/, '$1').toLowerCase();
    if (parts[1].toLowerCase() === 'http' && !(host === 'localhost' || host === '::1' || /^127\./.test(host))) {
        throw 'GoSMS: ' + detail('insecure_http', {host: host}) + ' ' + hintText('api_url');
    }
    return url;
}

// --- the alert -----------------------------------------------------------------------------------

function kindOf(params) {
    if (given(params.event_update_status) === '1') {
        return 'Update';
    }
    return given(params.event_value) === '0' ? 'Resolved' : 'Problem';
}

// The text of the SMS: the action's message (the subject when it has none; a line naming the event
// when both are empty), in the API's characters and length.
function messageText(params) {
    var text = given(params.alert_message) || given(params.alert_subject), severity, cps;
    if (text === '') {
        severity = SEVERITIES[parseInt(given(params.event_nseverity), 10)];
        text = kindOf(params) + (severity ? ' (' + severity + ')' : '')
            + (given(params.event_id) ? ': event ' + given(params.event_id) : '');
    }
    cps = truncated(oneLine(replaceRefused(codePoints(text))));
    if (cps.length === 0) {
        throw codedError(2002, {detail: detail('message_empty', {limit: String(CORE.text.max_length)})});
    }
    return fromCodePoints(cps);
}

function errorObject(data) {
    var errors = data && typeof data === 'object' ? data.errors : null;
    if (errors && Object.prototype.toString.call(errors) === '[object Array]') {
        errors = errors[0];
    }
    return errors && typeof errors === 'object' && errors.code !== undefined ? errors : null;
}

function excerpt(body) {
    var text = String(body || '').replace(/\s+/g, ' ').trim();
    return text.length > 120 ? text.substring(0, 120) + '\u2026' : text;
}

var RETRY = ' Zabbix sends it again as the media type\'s attempts and attempt interval allow.';

// The answer decides by its errors.code whatever the HTTP status, as the core's protocol does.
function decode(status, body) {
    var data = null, parsed = false, error, code;
    if (body && String(body).trim() !== '') {
        try {
            data = JSON.parse(body);
            parsed = true;
        }
        catch (e) {
            parsed = false;
        }
    }
    error = parsed ? errorObject(data) : null;
    if (error) {
        code = parseInt(error.code, 10);
        if (isNaN(code)) {
            throw 'GoSMS answered HTTP ' + status + ' with an error whose code is not a number: ' + excerpt(body);
        }
        throw codedError(code, {serverMessage: error.message ? String(error.message) : '',
            hash: error.hash ? String(error.hash) : ''});
    }
    if (status === 429) {
        throw 'GoSMS rate limit hit (HTTP 429 Too Many Requests).' + RETRY;
    }
    if (status >= 500) {
        throw 'GoSMS answered HTTP ' + status + (excerpt(body) ? ': ' + excerpt(body) : ' with an empty body')
            + '. The service or a proxy in front of it failed.' + RETRY;
    }
    if (status < 200 || status >= 300) {
        throw 'GoSMS answered HTTP ' + status + ' with ' + (excerpt(body) ? 'a non-GoSMS body: ' + excerpt(body)
            : 'an empty body') + '. ' + hintText('api_url');
    }
    if (!parsed || !data || typeof data.id !== 'string' || data.id === '') {
        throw 'GoSMS answered HTTP ' + status + ' without a message id: ' + excerpt(body) + '. ' + hintText('api_url');
    }
    return data.id;
}

function send(params, token) {
    var url = apiUrl(params.api_url) + CORE.api.send_path,
        payload = {message: messageText(params), phone_number: phoneNumber(params.send_to)},
        device = deviceId(params.device_id),
        slot = simSlot(params.to_sim, device),
        request = new HttpRequest(),
        body, id;
    if (device !== '') {
        payload.device_id = device;
    }
    if (slot !== null) {
        payload.to_sim = slot;
    }
    request.addHeader('Content-Type: application/json');
    request.addHeader('Accept: application/json');
    request.addHeader('User-Agent: ' + CORE.api.user_agent);
    request.addHeader('Authorization: Bearer ' + token);
    Zabbix.log(4, LOG_PREFIX + kindOf(params) + ' of event ' + (given(params.event_id) || '?') + ' to '
        + payload.phone_number + ' via ' + url + ': ' + JSON.stringify(payload.message));
    try {
        body = request.post(url, JSON.stringify(payload));
    }
    catch (error) {
        throw 'Cannot reach GoSMS at ' + url + ': ' + sentenceEnd(String(error).replace(/^Error: /, '')) + RETRY;
    }
    Zabbix.log(4, LOG_PREFIX + 'HTTP ' + request.getStatus() + ': ' + excerpt(body));
    id = decode(request.getStatus(), body);
    Zabbix.log(4, LOG_PREFIX + 'sent as message ' + id);
    return id;
}

function scrub(text, token) {
    text = String(text);
    return token ? text.split(token).join('***') : text;
}

var token = '';
try {
    var params = JSON.parse(value);
    token = given(params.token);
    if (token === '') {
        throw 'GoSMS: ' + detail('token_empty') + ' ' + hintText('token');
    }
    return 'OK ' + send(params, token);
}
catch (error) {
    error = scrub(error, token);
    Zabbix.log(3, LOG_PREFIX + error);
    throw error;
}
