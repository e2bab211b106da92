from gevent import monkey; monkey.patch_all()
import time, gevent, anyio
gaps=[]
def ticker(stop):
    last=time.perf_counter()
    while not stop[0]:
        gevent.sleep(0.01); now=time.perf_counter(); gaps.append(now-last); last=now
async def handler():
    await anyio.sleep(0.5)   # an awaited I/O wait inside the SDK's handler
def one(): anyio.run(handler)
stop=[False]; t=gevent.spawn(ticker, stop)
start=time.perf_counter(); gevent.joinall([gevent.spawn(one) for _ in range(4)]); total=time.perf_counter()-start
stop[0]=True; t.join()
print(f"4 concurrent anyio.run(sleep 0.5) in greenlets: {total:.2f}s; longest gap of a 10 ms ticker: {max(gaps)*1000:.0f} ms")
