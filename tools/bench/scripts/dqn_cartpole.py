"""
Deep Q-Network (DQN) on CartPole.

Based on the classic Mnih et al. (2015) setup, scaled down:
  * experience replay buffer
  * epsilon-greedy exploration with linear decay
  * a separate target network, synced every N steps (or soft updates)
  * Huber loss, gradient clipping

Run:  python dqn_cartpole.py --episodes 500
"""

import argparse
import collections
import math
import os
import random
import time

import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

# -----------------------------------------------------------------------------
# Hyperparameters
# -----------------------------------------------------------------------------
ENV_NAME = "CartPole-v1"
GAMMA = 0.99
LR = 5e-4
BATCH_SIZE = 64
BUFFER_SIZE = 100_000
MIN_REPLAY_SIZE = 1_000
EPS_START = 1.0
EPS_END = 0.02
EPS_DECAY_STEPS = 20_000
TARGET_UPDATE_EVERY = 1_000
TAU = 0.005            # used when --soft-update is on
MAX_STEPS_PER_EPISODE = 500
HIDDEN = 128
SEED = 42

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def parse_args():
    p = argparse.ArgumentParser(description="DQN on CartPole")
    p.add_argument("--episodes", type=int, default=500)
    p.add_argument("--soft-update", action="store_true")
    p.add_argument("--double", action="store_true", help="use Double DQN targets")
    p.add_argument("--render", action="store_true")
    p.add_argument("--save-dir", default="dqn_runs")
    p.add_argument("--eval-every", type=int, default=25)
    return p.parse_args()


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# -----------------------------------------------------------------------------
# Replay buffer
# -----------------------------------------------------------------------------
Transition = collections.namedtuple("Transition", ("state", "action", "reward", "next_state", "done"))


class ReplayBuffer:
    def __init__(self, capacity):
        self.buffer = collections.deque(maxlen=capacity)

    def push(self, state, action, reward, next_state, done):
        self.buffer.append(Transition(state, action, reward, next_state, done))

    def sample(self, batch_size):
        batch = random.sample(self.buffer, batch_size)
        states = torch.tensor(np.array([t.state for t in batch]), dtype=torch.float32, device=device)
        actions = torch.tensor([t.action for t in batch], dtype=torch.int64, device=device).unsqueeze(1)
        rewards = torch.tensor([t.reward for t in batch], dtype=torch.float32, device=device).unsqueeze(1)
        next_states = torch.tensor(np.array([t.next_state for t in batch]), dtype=torch.float32, device=device)
        dones = torch.tensor([t.done for t in batch], dtype=torch.float32, device=device).unsqueeze(1)
        return states, actions, rewards, next_states, dones

    def __len__(self):
        return len(self.buffer)


# -----------------------------------------------------------------------------
# Q network
# -----------------------------------------------------------------------------
class QNetwork(nn.Module):
    def __init__(self, state_dim, n_actions, hidden=HIDDEN):
        super().__init__()
        self.fc1 = nn.Linear(state_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, n_actions)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.out(x)


class DuelingQNetwork(nn.Module):
    """Dueling architecture: separate value and advantage streams."""

    def __init__(self, state_dim, n_actions, hidden=HIDDEN):
        super().__init__()
        self.feature = nn.Sequential(
            nn.Linear(state_dim, hidden),
            nn.ReLU(),
        )
        self.value = nn.Sequential(
            nn.Linear(hidden, hidden // 2),
            nn.ReLU(),
            nn.Linear(hidden // 2, 1),
        )
        self.advantage = nn.Sequential(
            nn.Linear(hidden, hidden // 2),
            nn.ReLU(),
            nn.Linear(hidden // 2, n_actions),
        )

    def forward(self, x):
        h = self.feature(x)
        v = self.value(h)
        a = self.advantage(h)
        return v + a - a.mean(dim=1, keepdim=True)


# -----------------------------------------------------------------------------
# Agent
# -----------------------------------------------------------------------------
class DQNAgent:
    def __init__(self, state_dim, n_actions, double=False, soft_update=False, dueling=False):
        self.n_actions = n_actions
        self.double = double
        self.soft_update = soft_update
        net_cls = DuelingQNetwork if dueling else QNetwork
        self.policy_net = net_cls(state_dim, n_actions).to(device)
        self.target_net = net_cls(state_dim, n_actions).to(device)
        self.target_net.load_state_dict(self.policy_net.state_dict())
        self.target_net.eval()
        self.optimizer = optim.Adam(self.policy_net.parameters(), lr=LR)
        self.memory = ReplayBuffer(BUFFER_SIZE)
        self.steps_done = 0

    def epsilon(self):
        frac = min(1.0, self.steps_done / EPS_DECAY_STEPS)
        return EPS_START + frac * (EPS_END - EPS_START)

    def select_action(self, state, greedy=False):
        eps = 0.0 if greedy else self.epsilon()
        if random.random() < eps:
            return random.randrange(self.n_actions)
        with torch.no_grad():
            s = torch.tensor(state, dtype=torch.float32, device=device).unsqueeze(0)
            q_values = self.policy_net(s)
            return int(q_values.argmax(dim=1).item())

    def learn(self):
        if len(self.memory) < MIN_REPLAY_SIZE:
            return None
        states, actions, rewards, next_states, dones = self.memory.sample(BATCH_SIZE)

        q = self.policy_net(states).gather(1, actions)
        with torch.no_grad():
            if self.double:
                next_actions = self.policy_net(next_states).argmax(dim=1, keepdim=True)
                next_q = self.target_net(next_states).gather(1, next_actions)
            else:
                next_q = self.target_net(next_states).max(dim=1, keepdim=True)[0]
            target = rewards + GAMMA * next_q * (1 - dones)

        loss = F.smooth_l1_loss(q, target)
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.policy_net.parameters(), 10.0)
        self.optimizer.step()

        if self.soft_update:
            for target_param, param in zip(self.target_net.parameters(), self.policy_net.parameters()):
                target_param.data.copy_(TAU * param.data + (1.0 - TAU) * target_param.data)
        elif self.steps_done % TARGET_UPDATE_EVERY == 0:
            self.target_net.load_state_dict(self.policy_net.state_dict())
        return loss.item()

    def save(self, path):
        torch.save(self.policy_net.state_dict(), path)


# -----------------------------------------------------------------------------
# Training / evaluation
# -----------------------------------------------------------------------------
def evaluate(agent, n_episodes=5, render=False):
    env = gym.make(ENV_NAME, render_mode="human" if render else None)
    returns = []
    for ep in range(n_episodes):
        state, _ = env.reset(seed=SEED + 1000 + ep)
        total = 0.0
        for t in range(MAX_STEPS_PER_EPISODE):
            action = agent.select_action(state, greedy=True)
            state, reward, terminated, truncated, _ = env.step(action)
            total += reward
            if terminated or truncated:
                break
        returns.append(total)
    env.close()
    return float(np.mean(returns))


def moving_average(values, window=20):
    if len(values) < window:
        return np.array(values)
    return np.convolve(values, np.ones(window) / window, mode="valid")


def train(args):
    set_seed(SEED)
    env = gym.make(ENV_NAME)
    state_dim = env.observation_space.shape[0]
    n_actions = env.action_space.n
    print(f"state dim: {state_dim}, actions: {n_actions}, device: {device}")

    agent = DQNAgent(state_dim, n_actions, double=args.double, soft_update=args.soft_update)
    os.makedirs(args.save_dir, exist_ok=True)

    # warm up the replay buffer with random actions
    state, _ = env.reset(seed=SEED)
    for _ in range(MIN_REPLAY_SIZE):
        action = env.action_space.sample()
        next_state, reward, terminated, truncated, _ = env.step(action)
        agent.memory.push(state, action, reward, next_state, terminated)
        state = next_state
        if terminated or truncated:
            state, _ = env.reset()

    episode_rewards, episode_lengths, losses, eval_scores = [], [], [], []
    best_eval = -math.inf
    start_time = time.time()

    for episode in range(1, args.episodes + 1):
        state, _ = env.reset(seed=SEED + episode)
        episode_reward = 0.0
        for step in range(MAX_STEPS_PER_EPISODE):
            action = agent.select_action(state)
            next_state, reward, terminated, truncated, _ = env.step(action)
            done = terminated or truncated

            # reward shaping: penalise dropping the pole
            if terminated and step < MAX_STEPS_PER_EPISODE - 1:
                reward = -1.0

            agent.memory.push(state, action, reward, next_state, terminated)
            state = next_state
            episode_reward += reward
            agent.steps_done += 1

            loss = agent.learn()
            if loss is not None:
                losses.append(loss)

            if done:
                break

        episode_rewards.append(episode_reward)
        episode_lengths.append(step + 1)

        if episode % 10 == 0:
            avg = np.mean(episode_rewards[-10:])
            print(f"episode {episode:4d} | avg reward (10) {avg:7.2f} | eps {agent.epsilon():.3f} | "
                  f"buffer {len(agent.memory):6d} | steps {agent.steps_done} | {time.time() - start_time:.0f}s")

        if episode % args.eval_every == 0:
            score = evaluate(agent)
            eval_scores.append((episode, score))
            print(f"  eval after {episode} episodes: {score:.1f}")
            if score > best_eval:
                best_eval = score
                agent.save(os.path.join(args.save_dir, "best_dqn.pt"))

        # CartPole-v1 counts as solved at an average of 475 over 100 episodes
        if len(episode_rewards) >= 100 and np.mean(episode_rewards[-100:]) >= 475:
            print(f"Solved in {episode} episodes!")
            break

    env.close()
    agent.save(os.path.join(args.save_dir, "final_dqn.pt"))
    return episode_rewards, episode_lengths, losses, eval_scores


def plot_results(episode_rewards, losses, eval_scores, save_dir):
    fig, axes = plt.subplots(1, 3, figsize=(16, 4))

    axes[0].plot(episode_rewards, alpha=0.4, label="episode reward")
    ma = moving_average(episode_rewards)
    axes[0].plot(range(len(episode_rewards) - len(ma), len(episode_rewards)), ma, label="moving avg (20)")
    axes[0].set_xlabel("episode")
    axes[0].set_ylabel("reward")
    axes[0].set_title("Training rewards")
    axes[0].legend()

    if losses:
        axes[1].plot(moving_average(losses, 200))
    axes[1].set_xlabel("update")
    axes[1].set_ylabel("Huber loss")
    axes[1].set_title("Loss (smoothed)")

    if eval_scores:
        eps, scores = zip(*eval_scores)
        axes[2].plot(eps, scores, marker="o")
    axes[2].set_xlabel("episode")
    axes[2].set_ylabel("greedy return")
    axes[2].set_title("Evaluation")

    plt.tight_layout()
    plt.savefig(os.path.join(save_dir, "dqn_cartpole.png"), dpi=120)
    plt.show()


if __name__ == "__main__":
    args = parse_args()
    rewards, lengths, losses, evals = train(args)
    print(f"mean reward over the last 50 episodes: {np.mean(rewards[-50:]):.1f}")
    print(f"longest episode: {max(lengths)} steps")
    plot_results(rewards, losses, evals, args.save_dir)
    if args.render:
        agent = DQNAgent(4, 2)
        agent.policy_net.load_state_dict(torch.load(os.path.join(args.save_dir, "best_dqn.pt")))
        print("greedy return:", evaluate(agent, n_episodes=3, render=True))
