"""A self-contained report page (no network, no CDN): numbers, tables, plots embedded as data URIs,
and a trajectory viewer (pick a task and a run, step through thought, action, observation, the
expert's action, the step's reward, and the final diff)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from srl_swe.atomic import write_text
from srl_swe.report.model import Report, Table

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
.partial{background:#b5462b;color:#fff;padding:6px 24px}
main{padding:12px 24px;max-width:1400px}section{background:#fff;border:1px solid #dde1e7;border-radius:6px;
padding:12px 16px;margin:12px 0}h2{font-size:16px;margin:4px 0 10px}
.headline{display:flex;flex-wrap:wrap;gap:10px}.kpi{border:1px solid #dde1e7;border-radius:6px;padding:8px 12px}
.kpi b{display:block;font-size:18px}table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}
td,th{border:1px solid #dde1e7;padding:4px 8px;text-align:left}th{background:#eef1f5}
.plots img{max-width:640px;margin:6px;border:1px solid #dde1e7}
#viewer{display:grid;grid-template-columns:340px 1fr;gap:12px}#steps{list-style:none;padding:0;margin:0;
max-height:640px;overflow:auto}#steps button{width:100%;text-align:left;border:1px solid #dde1e7;background:#fff;
padding:6px;margin:2px 0;cursor:pointer;font-size:12px;border-radius:4px}#steps button.active{background:#dfe9ff}
#steps button.error{color:#b5462b}
pre{background:#f3f4f7;padding:8px;white-space:pre-wrap;word-break:break-word;font-size:12px;max-height:420px;
overflow:auto;margin:4px 0}.label{font-weight:600;font-size:12px;margin-top:8px;color:#4a5263}
.reward{font-weight:700}.pos{color:#1d7a38}.neg{color:#b5462b}select{margin-right:10px}
"""

_SCRIPT = """
const DATA = JSON.parse(document.getElementById('runs-data').textContent);
const runSel = document.getElementById('run'), taskSel = document.getElementById('task');
const stepsEl = document.getElementById('steps'), detail = document.getElementById('step-detail');
const diffEl = document.getElementById('diff'), outcomeEl = document.getElementById('outcome');
function el(tag, attrs, text){const e=document.createElement(tag);Object.assign(e,attrs||{});
  if(text!==undefined)e.textContent=text;return e;}
function fillRuns(){runSel.innerHTML='';DATA.forEach((r,i)=>runSel.appendChild(el('option',{value:i},r.name)));}
function fillTasks(){const run=DATA[runSel.value]||{trajectories:[]};taskSel.innerHTML='';
  run.trajectories.forEach((t,i)=>taskSel.appendChild(el('option',{value:i},t.task_id)));showTrajectory();}
function current(){const run=DATA[runSel.value];return run?run.trajectories[taskSel.value]:null;}
function items(){const run=DATA[runSel.value],t=current(),turns=(run.turns||[])[taskSel.value];
  return turns&&turns.length?turns:t.steps.map((s,i)=>({step:i}));}
function showTrajectory(){const t=current();stepsEl.innerHTML='';detail.innerHTML='';
  if(!t){diffEl.textContent='';outcomeEl.textContent='no trajectories';return;}
  const list=items();
  list.forEach((it,j)=>{const b=el('button',{className:'step-button'});b.dataset.item=j;
    if(it.step===null||it.step===undefined){b.classList.add('error');
      b.textContent=`Format error: ${String(it.error).split('\\n')[0].slice(0,70)}`;b.onclick=()=>showError(j);}
    else{const s=t.steps[it.step];const r=(s.reward===null||s.reward===undefined)?'':` · reward ${s.reward.toFixed(3)}`;
      b.textContent=`Step ${it.step+1}: ${s.action.name} ${summary(s.action)}${r}`;b.onclick=()=>showStep(j);}
    const li=el('li');li.appendChild(b);stepsEl.appendChild(li);});
  const errors=list.filter(it=>it.step===null||it.step===undefined).length,o=t.outcome||{};
  outcomeEl.textContent=`${t.steps.length} steps`+(errors?` · ${errors} format errors`:'')+
    ` · resolved: ${o.resolved===null||o.resolved===undefined?'not graded':o.resolved}`;
  diffEl.textContent=o.diff||'(empty diff)';
  if(list.length)list[0].step===null||list[0].step===undefined?showError(0):showStep(0);}
function select(j){
  document.querySelectorAll('#steps button').forEach(b=>b.classList.toggle('active',Number(b.dataset.item)===j));
  detail.innerHTML='';}
function add(label,text,id){detail.appendChild(el('div',{className:'label'},label));
  detail.appendChild(el('pre',{id:id},text));}
function showError(j){const it=items()[j];select(j);detail.appendChild(el('h3',{id:'step-title'},'Format error'));
  add('Why the env took no action',it.error,'turn-error');
  add('What the policy wrote',it.response||'(empty)','turn-response');}
function summary(a){const v=a.arguments.command||'';
  return (a.arguments.path?a.arguments.path+' ':'')+String(v).slice(0,60);}
function canonical(a){const order=['command','path','file_text','old_str','new_str','insert_line','view_range'];
  const keys=order.filter(k=>k in a.arguments).concat(Object.keys(a.arguments).filter(k=>!order.includes(k)).sort());
  return [`<function=${a.name}>`].concat(keys.map(k=>{const v=a.arguments[k];
    return `<parameter=${k}>${typeof v==='string'?v:JSON.stringify(v)}</parameter>`;
  })).concat(['</function>']).join('\\n');}
function showStep(j){const i=items()[j].step,s=current().steps[i];select(j);
  detail.appendChild(el('h3',{id:'step-title'},`Step ${i+1}`));
  if(s.reward!==null&&s.reward!==undefined){
    const r=el('div',{id:'step-reward',className:'reward '+(s.reward>=0?'pos':'neg')},`reward ${s.reward.toFixed(3)}`);
    detail.appendChild(r);}
  add('Thought',s.thought||'(none)','step-thought');add('Action',canonical(s.action),'step-action');
  if(s.expert_action)add("Expert's action",s.expert_action,'step-expert');
  const det=el('details',{id:'step-observation'});det.open=(s.observation||'').length<1500;
  det.appendChild(el('summary',{},`Observation (${(s.observation||'').length} characters)`));
  det.appendChild(el('pre',{},s.observation||''));detail.appendChild(det);}
runSel.onchange=fillTasks;taskSel.onchange=showTrajectory;fillRuns();fillTasks();
"""


def render(report: Report) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(report.title)}</title><style>{_STYLE}</style></head><body>",
        f"<header><h1>{html.escape(report.title)}</h1></header>",
    ]
    if report.partial:
        parts.append("<div class='partial' id='partial'>Partial: this run was interrupted before it finished.</div>")
    parts.append("<main>")
    if report.headline:
        kpis = "".join(
            f"<div class='kpi'>{html.escape(k)}<b>{html.escape(v)}</b></div>" for k, v in report.headline.items()
        )
        parts.append(f"<section id='headline'><h2>Headline</h2><div class='headline'>{kpis}</div></section>")
    if report.plots:
        imgs = "".join(_img(p.title, p.png) for p in report.plots)
        parts.append(
            f"<section id='plots'><h2>Training and evaluation curves</h2><div class='plots'>{imgs}</div></section>"
        )
    if report.tables:
        parts.append("<section id='tables'>" + "".join(_table(t) for t in report.tables) + "</section>")
    parts.append(_viewer(report))
    parts.append(f"</main><script>{_SCRIPT}</script></body></html>")
    return "".join(parts)


def _img(title: str, path: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return (
        f"<figure><img alt='{html.escape(title)}' src='data:image/png;base64,{data}'><figcaption>"
        f"{html.escape(title)}</figcaption></figure>"
    )


def _table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>" for row in table.rows)
    return f"<h2>{html.escape(table.title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _viewer(report: Report) -> str:
    data = json.dumps([run.model_dump(mode="json") for run in report.runs]).replace("</", "<\\/")
    return (
        "<section id='trajectories'><h2>Trajectory viewer</h2>"
        "<label>Run <select id='run'></select></label><label>Task <select id='task'></select></label>"
        "<span id='outcome'></span><div id='viewer'><ol id='steps'></ol><div id='step-detail'></div></div>"
        "<div class='label'>Final diff</div><pre id='diff'></pre>"
        f"<script type='application/json' id='runs-data'>{data}</script></section>"
    )


def write(report: Report, path: str | Path) -> Path:
    """Write the page atomically."""
    path = Path(path)
    write_text(path, render(report))
    return path
