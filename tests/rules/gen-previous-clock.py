#!/usr/bin/env python3
"""Writes the previous-clock-*.ndjson rule fixtures (tests/rules/README.md, --previous):
DC and member NTP samples and AS exchanges a week apart, the DC or the members or everyone
shifted.  Run from anywhere: python3 tests/rules/gen-previous-clock.py"""
import datetime
import json
import os
def ts(base, sec):
    return (base + datetime.timedelta(seconds=sec)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
def us(base, sec):
    d = base + datetime.timedelta(seconds=sec)
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp()*1e6)
def gen(name, day, dc_off, member_offs, dc="10.0.0.1", skew=False, members=(("WS91$","10.0.0.91"),("WS92$","10.0.0.92")), realm="LAB.EXAMPLE", blind=()):
    base = datetime.datetime(2026,3,day,9,0,0)
    ev=[]; fr=[0]
    def add(sec, d):
        fr[0]+=1
        e={"schema":2,"frame":fr[0],"ts":ts(base,sec)}; e.update(d); ev.append(e); return fr[0]
    for rnd in range(3):
        for k,(acc,ip) in enumerate(members):
            t = rnd*300 + k
            mo = member_offs[k]
            # member's NTP request (w32time: its clock in the transmit time)
            if acc not in blind: add(t, {"proto":"ntp","src":ip,"sport":40000+k,"dst":dc,"dport":123,"transport":"udp","leap":0,"version":3,"mode":3,"mode_name":"client","stratum":0,
                    "transmit_time":ts(base,t+mo),"transmit_time_us":us(base,t+mo),"clock_sample_us":int(mo*1e6)})
            add(t+0.001, {"proto":"ntp","src":dc,"sport":123,"dst":ip,"dport":40000+k,"transport":"udp","leap":0,"version":3,"mode":4,"mode_name":"server","stratum":3,
                    "transmit_time":ts(base,t+0.001+dc_off),"transmit_time_us":us(base,t+0.001+dc_off),"clock_sample_us":int(dc_off*1e6)})
            q = add(t+10, {"proto":"kerberos","src":ip,"sport":51000+rnd*10+k,"dst":dc,"dport":88,"transport":"udp","msg_type":10,"msg":"AS-REQ","realm":realm,"cname":acc,"sname":"krbtgt/"+realm,"padata":[2,128]})
            if skew or abs(dc_off-mo) > 300:
                st = base + datetime.timedelta(seconds=t+10+dc_off); ct = base + datetime.timedelta(seconds=t+10+mo)
                e = {"proto":"kerberos","src":dc,"sport":88,"dst":ip,"dport":51000+rnd*10+k,"transport":"udp","msg_type":30,"msg":"KRB-ERROR","realm":realm,"sname":"krbtgt/"+realm,"error_code":37,"error_name":"KRB_AP_ERR_SKEW",
                    "stime":st.strftime("%Y-%m-%dT%H:%M:%SZ"),"susec":0,"ctime":ct.strftime("%Y-%m-%dT%H:%M:%SZ"),"cusec":0,"reply_to":q}
                if acc in blind: del e["ctime"]; del e["cusec"]
                add(t+10.002, e)
            else:
                add(t+10.002, {"proto":"kerberos","src":dc,"sport":88,"dst":ip,"dport":51000+rnd*10+k,"transport":"udp","msg_type":11,"msg":"AS-REP","realm":realm,"crealm":realm,"cname":acc,"sname":"krbtgt/"+realm,"reply_to":q})
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "%s.ndjson" % name), "w") as f:
        for e in ev: f.write(json.dumps(e)+"\n")
gen("previous-clock-before", 1, 0.1, [0.3,-0.2])
gen("previous-clock-dc-moved", 8, 3600.2, [0.2,-0.1])
gen("previous-clock-members-moved", 8, 0.1, [-3600.3,-3599.8])
gen("previous-clock-all-moved", 8, 3600.1, [3600.3,3599.9])
gen("previous-clock-other-network", 1, 0.1, [0.0,0.1], dc="10.9.0.1", members=(("WS98$","10.9.0.98"),("WS99$","10.9.0.99")), realm="OTHER.EXAMPLE")
gen("previous-clock-dc-moved-earlier", 5, 3600.1, [0.1,0.0])
M3=(("WS91$","10.0.0.91"),("WS92$","10.0.0.92"),("WS93$","10.0.0.93"))
gen("previous-clock-host-off-before", 1, 3600.1, [3600.2,3599.9,3600.0], members=M3)
gen("previous-clock-host-off-members-moved", 8, 3600.1, [0.2,-0.1,0.0], members=M3, blind=("WS93$",))
