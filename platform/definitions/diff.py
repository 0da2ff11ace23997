"""What changed between two versions of a definition, whichever way the newer one
is written (a full file or only its differences)."""

COMPARED = ("type", "text", "hint", "label", "min", "max", "step", "prefix", "suffix", "optional", "personal", "export_name")


def diff(old, new):
    old_q, new_q = old.questions, new.questions
    changed = {}
    for qid in sorted(set(old_q) & set(new_q)):
        a, b = old_q[qid], new_q[qid]
        fields = {name: [_plain(getattr(a, name)), _plain(getattr(b, name))] for name in COMPARED if _plain(getattr(a, name)) != _plain(getattr(b, name))}
        if _source(a.show_if) != _source(b.show_if):
            fields["show_if"] = [_source(a.show_if), _source(b.show_if)]
        if _source(a.page.show_if) != _source(b.page.show_if):
            fields["page_show_if"] = [_source(a.page.show_if), _source(b.page.show_if)]
        added_codes = sorted(b.codes - a.codes, key=str)
        retired = sorted((a.codes - b.codes), key=str)
        if added_codes or retired:
            fields["options"] = {"added": added_codes, "no_longer_offered": retired}
            replaced = {code: list(b.replaced_by[code]) for code in retired if code in b.replaced_by}
            if replaced:  # split or renamed: the codes that replaced each
                fields["options"]["replaced_by"] = replaced
        if fields:
            changed[qid] = fields
    return {
        "from": old.version,
        "to": new.version,
        "added_questions": [q for q in new_q if q not in old_q],
        "removed_questions": [q for q in old_q if q not in new_q],
        "changed_questions": changed,
    }


def _source(expression):
    return expression.source if expression is not None else None


def _plain(value):
    return _source(value) if hasattr(value, "source") else value
