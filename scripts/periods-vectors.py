"""Regenerates tests/vectors/periods.json: calendar periods (cost reports, budgets) in a time zone,
computed with Python's zoneinfo over the system's IANA tz database, so that
the vectors do not come from either tz database Vallum uses (chrono-tz in
native builds, the JavaScript engine's Intl data in the browser).

    python3 scripts/periods-vectors.py > tests/vectors/periods.json
"""
import json, datetime as dt
from zoneinfo import ZoneInfo
UTC=dt.timezone.utc
def ms(d): return int(d.timestamp()*1000)
def first(zone, t):
    for m in range(0, 181, 30):
        c = t + dt.timedelta(minutes=m)
        a = c.replace(tzinfo=zone, fold=0)
        if a.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == c:
            return ms(a)
    raise SystemExit("no instant")
def bounds(zone, period, now):
    local = dt.datetime.fromtimestamp(now/1000, zone).replace(tzinfo=None)
    d = local.date()
    if period=='hourly':
        s = now - (local.minute*60 + local.second)*1000 - now % 1000; return s, s+3600000
    def mid(x): return dt.datetime(x.year,x.month,x.day)
    def addm(x, n):
        y, m = divmod(x.month-1+n, 12); return dt.date(x.year+y, m+1, 1)
    if period=='daily': a=d; b=d+dt.timedelta(days=1)
    elif period=='weekly': a=d-dt.timedelta(days=d.weekday()); b=a+dt.timedelta(days=7)
    elif period=='monthly': a=d.replace(day=1); b=addm(a,1)
    elif period=='quarterly': a=dt.date(d.year,(d.month-1)//3*3+1,1); b=addm(a,3)
    elif period=='annual': a=dt.date(d.year,1,1); b=dt.date(d.year+1,1,1)
    return first(zone, mid(a)), first(zone, mid(b))
cases=[
 ("calendar month in UTC at the last hour of the year","UTC","monthly","2026-12-31T23:00:00"),
 ("New York: still December at 03:00 UTC on New Year's Day","America/New_York","monthly","2027-01-01T03:00:00"),
 ("New York: March starts in EST and ends in EDT","America/New_York","monthly","2026-03-15T12:00:00"),
 ("New York: the day the clocks go forward is 23 hours","America/New_York","daily","2026-03-08T12:00:00"),
 ("New York: the day the clocks go back is 25 hours","America/New_York","daily","2026-11-01T12:00:00"),
 ("Tokyo: a day starts at 15:00 UTC","Asia/Tokyo","daily","2026-06-30T16:00:00"),
 ("Kolkata: an hour on a half-hour offset","Asia/Kolkata","hourly","2026-05-05T10:10:00"),
 ("Havana: midnight is skipped, the day starts at 01:00","America/Havana","daily","2026-03-08T12:00:00"),
 ("Lord Howe: a half-hour DST shift","Australia/Lord_Howe","daily","2026-10-04T06:00:00"),
 ("London: the ISO week across the end of summer time","Europe/London","weekly","2026-10-25T12:00:00"),
 ("Chatham: a quarter at +13:45 and +12:45","Pacific/Chatham","quarterly","2026-05-20T00:00:00"),
 ("Sydney: the year in the southern summer","Australia/Sydney","annual","2026-07-01T00:00:00"),
 ("Berlin: the hour after the clocks go back","Europe/Berlin","hourly","2026-10-25T01:30:00"),
]
out=[]
for name,tz,period,now in cases:
    n=ms(dt.datetime.fromisoformat(now).replace(tzinfo=UTC))
    s,e=bounds(ZoneInfo(tz),period,n)
    out.append({"name":name,"timeZone":tz,"period":period,"nowMs":n,"now":now+"Z","start":s,"end":e,
      "startUtc":dt.datetime.fromtimestamp(s/1000,UTC).isoformat().replace('+00:00','Z'),"endUtc":dt.datetime.fromtimestamp(e/1000,UTC).isoformat().replace('+00:00','Z')})
doc={"format":"vallum.periods.v1","description":"Calendar periods in a configured time zone (costManagement.timeZone): the start and end of a cost report for the period (the same bounds budgets use), in ms since the epoch, at the instant nowMs. A period starts at local midnight; an hour is the local clock hour containing nowMs, at the offset in force then (so the hour repeated when clocks go back is an hour of its own) and ends where the next one starts; where a DST jump skips that local time, the period starts when the clock resumes. Weeks are ISO weeks (Monday). Computed with Python's zoneinfo over the IANA tz database, independently of Vallum; startUtc and endUtc are the same instants for reading.","cases":out}
print(json.dumps(doc,indent=2))
