# The section 4 script of the article "神经网络入门与基础概念", running on shenjing.
# Changed from the original: the import lines, and one fix: the original loops over
# the Dataset itself, which yields one unbatched image and an int label at a time (so
# `labels.size(0)` fails); both sets are wrapped in a DataLoader(batch_size=64).
import shenjing as torch
import shenjing.nn as nn
import shenjing.optim as optim
from shenjing.utils.data import DataLoader
from shenjing.vision import datasets, transforms

# 定义数据预处理
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.1307,), (0.3081,))
])

# 加载MNIST数据集
train_data = DataLoader(datasets.MNIST('data', train=True, download=True, transform=transform), batch_size=64)
test_data = DataLoader(datasets.MNIST('data', train=False, transform=transform), batch_size=64)

# 构建神经网络模型
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(28*28, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = x.view(-1, 28*28)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        x = self.fc3(x)
        return x

model = Net()

# 训练模型
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)

num_epochs = 10
for epoch in range(num_epochs):
    # 训练
    model.train()
    for images, labels in train_data:
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
    
    # 测试
    model.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for images, labels in test_data:
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    
    print(f'Epoch [{epoch+1}/{num_epochs}], Test Accuracy: {100 * correct / total:.2f}%')
