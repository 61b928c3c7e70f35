from tests.support.pages import parse
from tests.support.samples import fill_claim


def test_whole_claim_over_http(web):
    response = fill_claim(web)
    assert response.request.path == "/claim/done"
    assert "Your claim packet is ready" in parse(response).h1.text
