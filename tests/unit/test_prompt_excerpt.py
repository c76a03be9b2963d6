from prefhub.kit.content import prompt_excerpt


def _turn(role: str, text: str) -> dict[str, object]:
    return {"role": role, "content": [{"type": "text", "text": text}]}


def test_the_excerpt_is_the_last_user_turn_cut_on_a_word():
    context = [
        _turn("user", "first question"),
        _turn("assistant", "an answer"),
        _turn("user", "word " * 100),
    ]
    excerpt = prompt_excerpt(context, limit=23)
    assert excerpt == "word word word word …"
    assert prompt_excerpt([_turn("system", " be  brief ")]) == "be brief"
    assert prompt_excerpt([]) == ""
