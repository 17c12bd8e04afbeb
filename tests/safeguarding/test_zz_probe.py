import asyncio, time
from safeguarding_support import worker, new_family, lines

async def test_probe(client, store):
    w, tok = await worker(store, "alice")
    fam = await new_family(store, w)
    t = time.monotonic()
    for line in lines("must_flag.txt")[:25]:
        _, r = await client.post(f"/api/v1/chat/{fam.token}/messages", json={"text": line})
        assert r.status == 200, r.text
    print("per request", (time.monotonic()-t)/25, "tasks", len(asyncio.all_tasks()))
    print(r.json)
    await asyncio.sleep(6)
    print("tasks", len(asyncio.all_tasks()), [t.get_name() for t in asyncio.all_tasks()][:5])
