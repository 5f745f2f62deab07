"""One-to-many: the spelling targets, teacher forcing against free running, and learning."""
import pytest
import torch

from companion.applications.captioning import (DIGIT_NAMES, END, MAX_LENGTH, START, SYMBOLS,
                                               DigitSpeller, spelling_loss, spelling_targets)
from companion.train import fit


def test_targets_are_the_inputs_shifted_with_an_end_symbol():
    inputs, targets = spelling_targets(torch.tensor([7, 1]))
    assert inputs.shape == targets.shape == (2, MAX_LENGTH)
    decode = lambda row: "".join(SYMBOLS[i] for i in row if i >= 0)  # noqa: E731
    assert decode(targets[0]) == "seven" + END and decode(inputs[0])[:6] == START + "seven"
    assert decode(targets[1]) == "one" + END and (targets[1, 4:] == -100).all()


def test_greedy_spelling_follows_the_teacher_forced_argmax():
    torch.manual_seed(0)
    model = DigitSpeller(image_size=4, hidden_size=8).eval()
    images = torch.randn(3, 4)
    spelled = model.spell(images, max_length=MAX_LENGTH)
    # feeding the model its own greedy output as teacher input reproduces the same choices
    for row, word in enumerate(spelled):
        inputs = torch.tensor([[SYMBOLS.index(c) for c in START + word]])
        logits = model(images[row:row + 1], inputs)
        chosen = "".join(SYMBOLS[i] for i in logits.argmax(-1)[0].tolist())
        assert chosen.startswith(word)


@pytest.mark.slow
def test_it_learns_to_spell_from_a_one_hot_image():
    images = torch.eye(10)
    labels = torch.arange(10)
    torch.manual_seed(0)
    model = DigitSpeller(image_size=10, hidden_size=32)
    fit(model, spelling_loss, lambda step: (images, labels), 300, lr=1e-2, progress=False)
    assert model.spell(images) == list(DIGIT_NAMES)


def test_wrong_image_shape_is_explained():
    with pytest.raises(ValueError, match=r"shape \(B, 64\)"):
        DigitSpeller(image_size=64).spell(torch.zeros(2, 8, 8))
