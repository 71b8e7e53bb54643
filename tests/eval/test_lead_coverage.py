from eval.lead_coverage import LeadCase, choose


def test_the_slack_keeps_the_sentence_sets_and_then_leads_the_most_keywords_home() -> None:
    # A sentence set whose gold other-language lead holds 0.35 less than the own-language
    # passage: any slack under 0.35 would lose it.
    sentences = [LeadCase(0.45, 0.8, lead_gold=True, rival_gold=False)]
    # Keyword questions whose other-language lead holds far less: a slack under 0.8 helps;
    # of 0.4, 0.5 and 0.6, which all keep the sentence set, the largest.
    keywords = [LeadCase(0.2, 1.0, lead_gold=False, rival_gold=True)] * 3
    assert choose({"sentences": sentences}, {"keywords": keywords}) == 0.6
    assert LeadCase(0.2, 1.0, False, True).hit(0.6) and not LeadCase(0.2, 1.0, False, True).hit(0.8)
    assert choose({"sentences": sentences}, {}) == 1.0  # nothing to gain: the rule off


def test_when_no_slack_gives_every_set_its_best_the_sets_together_decide() -> None:
    # One set needs a slack of 0.5 at least, another one under 0.2: no slack serves both.
    wide = [LeadCase(0.45, 0.9, lead_gold=True, rival_gold=False)] * 2
    narrow = [LeadCase(0.5, 0.65, lead_gold=False, rival_gold=True)]
    keywords = [LeadCase(0.1, 0.75, lead_gold=False, rival_gold=True)]
    # Two gold first passages against one: 0.5 and larger; the keywords then ask for < 0.65.
    assert choose({"wide": wide, "narrow": narrow}, {"keywords": keywords}) == 0.6
