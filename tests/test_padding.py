"""companion.padding: the helpers every layer uses for padded batches."""
import pytest
import torch

from companion.padding import (detach_state, finish, map_state, reverse_within_lengths,
                               state_at_end, step_mask, zero_after_end)


def test_reverse_within_lengths_by_hand_and_twice_is_identity():
    x = torch.arange(8.0).view(2, 4, 1)  # rows 0..3 and 4..7
    flipped = reverse_within_lengths(x, torch.tensor([4, 2]))
    assert flipped.squeeze(-1).tolist() == [[3, 2, 1, 0], [5, 4, 6, 7]]
    assert torch.equal(reverse_within_lengths(flipped, torch.tensor([4, 2])), x)
    assert torch.equal(reverse_within_lengths(x, None), x.flip(1))


def test_mask_zeroing_and_state_at_end_by_hand():
    lengths = torch.tensor([3, 1])
    assert step_mask(lengths, 3).tolist() == [[True, True, True], [True, False, False]]
    steps = torch.arange(12.0).view(2, 3, 2)
    assert zero_after_end(steps, lengths)[1].tolist() == [[6, 7], [0, 0], [0, 0]]
    h, C = state_at_end((steps, -steps), lengths)
    assert h.tolist() == [[4, 5], [6, 7]] and C.tolist() == [[-4, -5], [-6, -7]]


def test_finish_without_lengths_returns_the_layer_result_untouched():
    outputs, final = torch.randn(2, 3, 4), torch.randn(2, 4)
    got_outputs, got_final = finish(outputs, outputs, final, None)
    assert got_outputs is outputs and got_final is final
    with pytest.raises(ValueError, match=r"every length must lie in 1..T = 1..3"):
        finish(outputs, outputs, final, [4, 1])


def test_states_keep_their_structure_when_mapped_and_detached():
    leaf = torch.ones(2, requires_grad=True)
    state = ((leaf * 2, leaf * 3), [leaf * 4])
    detached = detach_state(state)
    assert isinstance(detached, tuple) and isinstance(detached[1], list)
    assert all(not t.requires_grad for t in (detached[0][0], detached[0][1], detached[1][0]))
    assert map_state(lambda t: t + 1, state)[1][0].tolist() == [5.0, 5.0]
    assert detach_state(None) is None
    with pytest.raises(ValueError, match="a state is a tensor or a tuple/list"):
        map_state(torch.neg, {"h": leaf})
