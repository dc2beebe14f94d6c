def test_anon(api):
    r = api().get("/api/me/")
    assert r.status_code == 401
    assert r.json() == {"detail": r.json()["detail"], "errors": {}}


def test_me_and_list(api, world):
    world.make_case()
    c = api(world.head)
    r = c.get("/api/me/")
    assert r.status_code == 200, r.content
    print(r.json())
    r = c.get("/api/cases/")
    assert r.status_code == 200, r.content
    print(r.json())
    cid = r.json()["results"][0]["id"]
    r = c.get(f"/api/cases/{cid}/")
    assert r.status_code == 200, r.content
    print(r.json())
