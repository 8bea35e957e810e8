"""Gymnasium environments. Importing this package registers the ids below (Gymnasium's pattern):

    import srl_swe.env, gymnasium
    env = gymnasium.make("srl_swe/SWE-v0", task_id=..., tasks_dir=..., mode="srl")
    envs = gymnasium.make_vec("srl_swe/SWE-v0", num_envs=4, task_id=...)   # threads, one container each

Without the import, `gymnasium.make("srl_swe.env:srl_swe/SWE-v0", ...)` imports it first."""

import gymnasium

ENV_IDS = {
    "srl_swe/SWE-v0": "default",
    "srl_swe/SWE-RLVR-v0": "rlvr",
}

for _env_id, _spec_name in ENV_IDS.items():
    if _env_id not in gymnasium.registry:
        gymnasium.register(
            _env_id,
            entry_point="srl_swe.env.swe_env:SWEEnv",
            vector_entry_point="srl_swe.env.vector:make_vector_env",
            kwargs={"env_spec": _spec_name},
        )
