"""`go tool pprof -diff_base`: one profile minus another, as a profile the reports take as is.

Split from :mod:`m3tui.profiles.pprof.analysis`. Pure Python.
"""

from __future__ import annotations

from m3tui.profiles.pprof.model import Frame, Profile, ProfileError, SampleType

__all__ = ["diff"]


def diff(profile: Profile, base: Profile) -> Profile:
    """`-diff_base`: the profile's stacks, then the base's with negated values; totals are the
    base's. A stack in both profiles is there twice, like pprof's samples (see below)."""
    if len(profile.sample_types) != len(base.sample_types):
        raise ProfileError(
            f"cannot compare profiles: {len(profile.sample_types)} sample types against "
            f"{len(base.sample_types)}"
        )
    for a, b in zip(profile.sample_types, base.sample_types):
        if a.type.removesuffix("s") != b.type.removesuffix("s"):
            raise ProfileError(f"cannot compare profiles: sample types {a.type} and {b.type}")
    sample_types, (profile_values, base_values) = _scaled(profile, base)
    frames: list[Frame] = list(profile.frames)
    frame_index = {f: i for i, f in enumerate(frames)}
    site_frame = list(profile.site_frame)
    site_inline = list(profile.site_inline)
    site_mapping = list(profile.site_mapping or [0] * len(site_frame))
    mapping_files = list(profile.mapping_files)
    mapping_index = {m: i for i, m in enumerate(mapping_files)}
    site_index = {k: i for i, k in enumerate(zip(site_frame, site_inline, site_mapping))}
    remap: dict[int, str] = {}
    base_maps = base.site_mapping or [0] * len(base.site_frame)
    for bs, (bf, binl, bm) in enumerate(zip(base.site_frame, base.site_inline, base_maps)):
        fr = base.frames[bf]
        fi = frame_index.get(fr)
        if fi is None:
            fi = frame_index[fr] = len(frames)
            frames.append(fr)
        mfile = base.mapping_files[bm]
        mi = mapping_index.get(mfile)
        if mi is None:
            mi = mapping_index[mfile] = len(mapping_files)
            mapping_files.append(mfile)
        key = (fi, binl, mi)
        si = site_index.get(key)
        if si is None:
            si = site_index[key] = len(site_frame)
            if si > 0x10FFFF:  # a site is a character
                raise ProfileError("cannot compare profiles: together they have more than 1,114,111 distinct frames")
            site_frame.append(fi)
            site_inline.append(binl)
            site_mapping.append(mi)
        remap[bs] = chr(si)
    stacks = list(profile.site_stacks)
    values = [list(col) for col in profile_values]
    # The base's stacks are appended apart from the profile's, even where a stack is in both:
    # pprof labels the base's samples ("pprof::base") so that merging never adds them to the
    # profile's. Summed, a stack in both with the same value would vanish (a zero value counts
    # nowhere), yet in pprof both samples still make their call edges, and their inline flags
    # decide the "(inline)" labels.
    index: dict[str, int] = {}
    for bi, base_stack in enumerate(base.site_stacks):
        s = base_stack.translate(remap)
        i = index.get(s)
        if i is None:
            i = index[s] = len(stacks)
            stacks.append(s)
            for col in values:
                col.append(0)
        for t, col in enumerate(values):
            col[i] -= base_values[t][bi]
    comments = list(dict.fromkeys(profile.comments + base.comments))
    times = [t for t in (profile.time_nanos, base.time_nanos) if t]
    return Profile(
        sample_types=sample_types,
        default_sample_type=profile.default_sample_type or base.default_sample_type,
        period_type=profile.period_type,
        period=profile.period,
        duration_ns=profile.duration_ns + base.duration_ns,
        time_nanos=min(times) if times else 0,
        comments=comments,
        frames=frames,
        values=values,
        n_samples=profile.n_samples + base.n_samples,
        mapping_file=profile.mapping_file or base.mapping_file,
        build_id=profile.build_id if profile.mapping_file else base.build_id,
        site_frame=site_frame,
        site_inline=site_inline,
        site_mapping=site_mapping,
        mapping_files=mapping_files,
        site_stacks=stacks,
        diff_base_totals=[sum(map(abs, col)) for col in base_values],
    )


def _scaled(profile: Profile, base: Profile) -> tuple[list[SampleType], tuple[list[list[int]], list[list[int]]]]:
    """pprof's measurement.ScaleProfiles before the diff (driver.combineProfiles of the profile and
    its base): a sample type in units of one kind but not one unit (bytes and kilobytes) put in
    the finer one; its sample types and both profiles' values (as they are when no unit differs).
    The finer unit's ratios are whole (1024, 1000), so scaling each stack's sum is exact; a stack
    whose scaled values are all 0 is dropped as profile.ScaleN drops such a sample."""
    from m3tui.profiles.pprof.measure import common_type, scale

    types: list[SampleType] = []
    ratios: list[tuple[float, float]] = []
    for a, b in zip(profile.sample_types, base.sample_types):
        try:
            common = common_type([(a.type, a.unit), (b.type, b.unit)])
        except ValueError:
            raise ProfileError(f"cannot compare profiles: {a.type} is in {a.unit} in one and in {b.unit} in the "
                               "other") from None  # fmt: skip
        assert common is not None  # two types
        types.append(SampleType(a.type, common[1]))
        ratios.append((scale(1, a.unit, common[1])[0], scale(1, b.unit, common[1])[0]))
    if all(r == 1 for pair in ratios for r in pair):
        return list(profile.sample_types), (profile.values, base.values)
    sides = []
    for side, p in enumerate((profile, base)):
        scaled = [t for t, pair in enumerate(ratios) if pair[side] != 1]
        cols = [list(col) for col in p.values]
        for t in scaled:
            r = ratios[t][side]
            cols[t] = [round(v * r) for v in cols[t]]
        for i in range(len(cols[0]) if cols and scaled else 0):
            if not any(cols[t][i] for t in scaled):
                for col in cols:
                    col[i] = 0
        sides.append(cols)
    return types, (sides[0], sides[1])
